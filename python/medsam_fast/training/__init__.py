"""Fine-tuning LiteMedSAM on challenge-format data (``medsam-fast train``).

One concept per file:
- ``options``: the command's options and the run's configuration;
- ``cases``: finding the npz cases, the memory-mapped cache, the split by case;
- ``boxes``: prompt boxes (tight box with jitter, the 3D box's projection, the npz's);
- ``frame``: a slice and its labels in the 256 frame, exactly as inference sees them;
- ``dataset``: 2D samples drawn from (seed, epoch, index), and the global-batch sampler;
- ``model``: LiteMedSAM with the upstream checkpoint's exact keys, what trains, what is frozen;
- ``embeddings``: the frozen encoder's embeddings, encoded once per slice and flip;
- ``loss``: the upstream loss (Dice + BCE + IoU MSE);
- ``sam``: the sharpness-aware minimisation wrapper (``--recipe encoder-sam``);
- ``validation``: DSC and NSD by case, with the library's metrics, summed over ranks;
- ``checkpoints``: ``last.pt`` (resume) and ``best.pth``/``model.pth`` (plain state dicts);
- ``distributed``: process group, launcher, parameter-hash agreement;
- ``loop``: the training loop;
- ``export``: the best checkpoint to an ONNX pair and the TOML lines that route to it.

torch is needed only here: ``pip install 'medsam-fast[train]'``.
"""
