"""Default hyperparameters, sweep values and output location (provided: do not modify).

run.py starts from `Config()` and overrides whatever the command-line flags set.
"""
from dataclasses import asdict, dataclass
from pathlib import Path

OUTPUT_DIR = Path(__file__).resolve().parent / "outputs"


@dataclass(frozen=True)
class Config:
    """Everything that defines one training run."""

    hidden_dims: tuple = (128, 64)
    activation: str = "relu"
    learning_rate: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    epochs: int = 30
    batch_size: int = 64
    seed: int = 0

    def to_dict(self):
        """JSON-ready copy (hidden_dims as a list)."""
        return {**asdict(self), "hidden_dims": list(self.hidden_dims)}

    def tag(self):
        """A file-name-safe label that differs between runs with different settings."""
        dims = "-".join(map(str, self.hidden_dims)) or "linear"
        return (f"{self.activation}_{dims}_lr{self.learning_rate:g}_mom{self.momentum:g}"
                f"_wd{self.weight_decay:g}_bs{self.batch_size}_ep{self.epochs}_seed{self.seed}")


# --sweep NAME: the values tried. How each value becomes a Config is in run.py
# (`sweep_configs`): widths replace every hidden width, depths repeat the first width.
SWEEPS = {
    "hidden_dim": [32, 64, 128, 256, 512],
    "num_layers": [1, 2, 3, 4],
    "learning_rate": [0.001, 0.005, 0.01, 0.05, 0.1],
}
# Width of the repeated hidden layer in a depth sweep when --hidden_dims is empty.
DEPTH_SWEEP_WIDTH = 128


# --quick: a smoke test that finishes in seconds: few epochs on the first samples of each split.
QUICK_EPOCHS = 3
QUICK_SIZES = {"train": 1000, "val": 250, "test": 250}
