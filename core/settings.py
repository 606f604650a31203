"""Where things are and what the environment configures: every path and environment variable, read here only.

Values are read from the environment at call time (``current()``), so a test or a command can point the
app at another workspace without re-importing anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The repository (the folder holding streamlit_app.py).
REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PLAN_DIR = DATA / "plan"
SHAPEFILE_DIR = DATA / "shapefiles"
OFFICIAL_DIR = DATA / "official"
#: What Streamlit serves under /app/static (vendored scripts, vector tiles).
STATIC_DIR = REPO / "static"

#: The environment variables the project reads, and what each one sets.
ENV = {
    "CHAOHU_PLAN_DIR": "规划数据文件夹（默认 data/plan/）",
    "CHAOHU_WORKSPACE": "工作空间文件夹（默认 workspace/）",
    "CHAOHU_WORKSPACE_GPKG": "工作空间 GeoPackage 文件（默认 <工作空间>/workspace.gpkg）",
    "CHAOHU_DATABASE_URL": "共享数据库（PostgreSQL + PostGIS，如 postgresql+psycopg://用户:密码@主机/库名）；未设置时用工作空间 GeoPackage",
    "CHAOHU_OFFICIAL_DIR": "官方乡镇界线/驻地数据文件夹（默认 data/official/）",
    "CHAOHU_MAP_APPROVAL": "审图号（替换地图上的“示意图”说明）",
    "TIANDITU_TOKEN": "天地图密钥",
}


@dataclass(frozen=True)
class Settings:
    """The configuration in effect: paths and options, resolved from the environment."""

    plan_dir: Path
    workspace_dir: Path
    workspace_gpkg: Path
    #: SQLAlchemy URL of the office's PostGIS store; "" means the embedded GeoPackage store.
    database_url: str
    official_dir: Path
    map_approval: str
    tianditu_token: str


def current(environ: dict | None = None) -> Settings:
    """The settings the environment gives now (defaults where a variable is unset or empty)."""
    env = os.environ if environ is None else environ
    workspace = Path(env.get("CHAOHU_WORKSPACE") or REPO / "workspace")
    return Settings(
        plan_dir=Path(env.get("CHAOHU_PLAN_DIR") or PLAN_DIR),
        workspace_dir=workspace,
        workspace_gpkg=Path(env.get("CHAOHU_WORKSPACE_GPKG") or workspace / "workspace.gpkg"),
        database_url=(env.get("CHAOHU_DATABASE_URL") or "").strip(),
        official_dir=Path(env.get("CHAOHU_OFFICIAL_DIR") or OFFICIAL_DIR),
        map_approval=(env.get("CHAOHU_MAP_APPROVAL") or "").strip(),
        tianditu_token=(env.get("TIANDITU_TOKEN") or "").strip(),
    )
