"""Settings read once from the environment into a frozen object."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
DEFAULT_MODEL_HOME = "~/.cache/tracuu/models"  # where `tracuu model prepare` puts the bundled model


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    corpus_dir: Path
    model: str | None  # None: the default model (used only if available locally)
    llm_url: str | None
    llm_model: str | None
    max_file_mb: float
    model_home: Path = Path(DEFAULT_MODEL_HOME).expanduser()  # TRACUU_MODEL_HOME
    embed_backend: str | None = None  # TRACUU_EMBED_BACKEND: "onnx" | "torch" | None (ONNX int8 when prepared)
    file_seconds: float = 600.0  # TRACUU_FILE_SECONDS: wall time one file may take to read and analyse (0: no limit)
    file_memory_mb: float = 3072.0  # TRACUU_FILE_MEMORY_MB: memory one file's reading may add (0: no limit)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            index_dir=Path(env.get("TRACUU_INDEX", "index")),
            corpus_dir=Path(env.get("TRACUU_CORPUS", "corpus")),
            model=env.get("TRACUU_MODEL") or None,
            llm_url=env.get("TRACUU_LLM_URL") or None,
            llm_model=env.get("TRACUU_LLM_MODEL") or None,
            max_file_mb=float(env.get("TRACUU_MAX_FILE_MB", "50")),
            model_home=Path(env.get("TRACUU_MODEL_HOME") or DEFAULT_MODEL_HOME).expanduser(),
            embed_backend=(env.get("TRACUU_EMBED_BACKEND") or "").strip().lower() or None,
            file_seconds=float(env.get("TRACUU_FILE_SECONDS", "600")),
            file_memory_mb=float(env.get("TRACUU_FILE_MEMORY_MB", "3072")),
        )
