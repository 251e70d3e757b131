"""The napari plugin (the ``napari`` extra), declared in ``napari.yaml``: a dock widget
to draw boxes as rectangles and get labels, and the demo cases as sample data.

``import medsam_fast`` never imports this package, napari or Qt; napari imports it when
the widget or a sample is first used.  ``layers`` and ``session`` hold the logic without
Qt (layers to boxes, labels into a layer with undo, the cached encoder); ``widget`` is
the dock widget.
"""
