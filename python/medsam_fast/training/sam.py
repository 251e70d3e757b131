"""Sharpness-aware minimisation (Foret et al., 2021) around a base optimizer: each step
climbs to the worst point within ``rho`` of the weights along the gradient, takes the
gradient there, comes back and lets the base optimizer step with it.  The original
entry's PET/Microscopy encoder was trained this way around AdamW with rho 0.05."""

from __future__ import annotations

import torch


class SAM(torch.optim.Optimizer):
    def __init__(self, params, base_optimizer: type[torch.optim.Optimizer], rho=0.05, **kwargs):
        if rho < 0:
            raise ValueError(f"rho must be >= 0, got {rho}")
        super().__init__(params, dict(rho=rho, **kwargs))
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        # One set of groups, so a scheduler on the base optimizer changes both.
        self.param_groups = self.base_optimizer.param_groups

    def _gradient_norm(self) -> torch.Tensor:
        grads = [p.grad for group in self.param_groups for p in group["params"]]
        norms = [g.norm(p=2) for g in grads if g is not None]
        return torch.norm(torch.stack(norms), p=2) if norms else torch.tensor(0.0)

    @torch.no_grad()
    def first_step(self) -> None:
        """Moves the weights by rho * g / |g|; call after the first backward."""
        scale_base = self._gradient_norm() + 1e-12
        for group in self.param_groups:
            scale = group["rho"] / scale_base
            for p in group["params"]:
                if p.grad is None:
                    continue
                step = p.grad * scale.to(p)
                p.add_(step)
                self.state[p]["sam_step"] = step

    @torch.no_grad()
    def second_step(self) -> None:
        """Back to the weights, then the base optimizer's step with the new gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                step = self.state[p].pop("sam_step", None)
                if step is not None:
                    p.sub_(step)
        self.base_optimizer.step()

    def step(self, closure=None):
        raise RuntimeError("SAM takes two passes: call first_step() and second_step()")
