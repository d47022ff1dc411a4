"""Fixtures for the Glue job scripts: one local SparkSession, and the scripts loaded by path."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pyspark.sql import SparkSession

from ansible_collections.dataeng.platform.plugins.module_utils.glue_local import SPARK_SETTINGS

JOBS = Path(__file__).resolve().parents[2] / "roles" / "glue" / "files"
# The scripts import job_arguments from their own folder, as on Glue through --extra-py-files.
sys.path.insert(0, str(JOBS))


def import_script(name: str, module_name: str) -> ModuleType:
    """Imports roles/glue/files/<name>.py, which is a script and not part of a package."""
    spec = importlib.util.spec_from_file_location(module_name, JOBS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the script runs.
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def processing_job() -> ModuleType:
    return import_script("data_processing", "glue_job_data_processing")


@pytest.fixture(scope="session")
def quality_job() -> ModuleType:
    return import_script("data_quality", "glue_job_data_quality")


@pytest.fixture
def import_job_again(monkeypatch):
    """Imports a job script anew under another name, e.g. with a stand-in awsglue in sys.modules."""

    def load(name: str) -> ModuleType:
        module_name = f"glue_job_{name}_again"
        monkeypatch.setitem(sys.modules, module_name, None)  # removed again after the test
        return import_script(name, module_name)

    return load


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> SparkSession:
    """One small local session for every test: starting Spark takes seconds, a test far less."""
    # The Spark the local Glue runner (glue_runner local) runs the jobs on.
    builder = SparkSession.builder.appName("glue-job-tests")
    for name, value in SPARK_SETTINGS.items():
        builder = builder.config(name, value)
    session = (
        builder.config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


class RawFiles:
    """Writes input files under a raw dataset folder, the way producers drop them."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def csv(self, relative: str, header: list[str], rows: list[list[object]]) -> Path:
        lines = [",".join(header), *(",".join("" if value is None else str(value) for value in row) for row in rows)]
        return self.write(relative, "\n".join(lines) + "\n")

    def json_lines(self, relative: str, records: list[dict | str]) -> Path:
        """A str record is written as is, to make a malformed line."""
        lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
        return self.write(relative, "\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def raw_files() -> type[RawFiles]:
    """RawFiles, for fixtures of any scope: raw_files(folder).csv(...)."""
    return RawFiles
