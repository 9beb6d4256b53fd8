"""Where a distributed run's dataset lives: a local folder or ``s3://bucket/prefix``.

Object storage is reached with the standard AWS environment variables
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``, ``AWS_ALLOW_HTTP``): Polars reads and writes Parquet with them
(passed as ``storage_options``), and boto3 lists, PUTs and deletes objects.

Every part is written so that it is either absent or complete: on a
filesystem under a hidden temporary name in the dataset folder, then renamed;
on object storage from a local file with one PUT (an object appears whole or
not at all). Writing the same part twice writes the same bytes to the same
name, so a task that runs twice (Dask re-runs the tasks whose results lived on
a dead worker; a retiring worker's task can finish on two workers) is harmless.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import uuid
from typing import Any, Dict, List, Optional, Tuple

from .reduce import ReduceError, first_line

PART_PREFIX = "part-"
MANIFEST = "_manifest.json"
TMP_MARK = ".mwk-tmp-"


def is_s3(path: str) -> bool:
    return str(path).startswith("s3://")


def parse_s3(uri: str) -> Tuple[str, str]:
    rest = uri[len("s3://"):]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise ReduceError(f"{uri}: no bucket in the URI")
    return bucket, key


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def storage_options_from_env() -> Optional[Dict[str, str]]:
    """Polars' storage options from the standard AWS variables (None if none is set)."""
    opts: Dict[str, str] = {}
    for env, key in (("AWS_ENDPOINT_URL", "aws_endpoint_url"), ("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
                     ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"), ("AWS_SESSION_TOKEN", "aws_session_token"),
                     ("AWS_REGION", "aws_region")):
        if os.environ.get(env):
            opts[key] = os.environ[env]
    if "aws_region" not in opts and os.environ.get("AWS_DEFAULT_REGION"):
        opts["aws_region"] = os.environ["AWS_DEFAULT_REGION"]
    if _env_true("AWS_ALLOW_HTTP") or opts.get("aws_endpoint_url", "").startswith("http://"):
        opts["aws_allow_http"] = "true"
    return opts or None


_CLIENT: Any = None


def s3_client() -> Any:
    global _CLIENT
    if _CLIENT is None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise ReduceError("object storage needs boto3: pip install 'mwk[dask]'") from None
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        _CLIENT = boto3.client("s3", region_name=region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
                               config=Config(retries={"max_attempts": 5, "mode": "standard"},
                                             connect_timeout=10, read_timeout=60))
    return _CLIENT


def _s3_error(uri: str, e: BaseException) -> ReduceError:
    return ReduceError(f"{uri}: {type(e).__name__}: {first_line(e)}")


def _list_keys(bucket: str, prefix: str) -> List[Tuple[str, int]]:
    c = s3_client()
    out: List[Tuple[str, int]] = []
    token = None
    while True:
        kw: Dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if token:
            kw["ContinuationToken"] = token
        r = c.list_objects_v2(**kw)
        for o in r.get("Contents", []):
            out.append((o["Key"], int(o["Size"])))
        if not r.get("IsTruncated"):
            return out
        token = r.get("NextContinuationToken")


def expand_s3(uri: str) -> List[str]:
    """An object (``...parquet``), a prefix (every Parquet object under it,
    skipping names starting with ``.`` or ``_``) or a glob, in key order."""
    bucket, key = parse_s3(uri)
    globbed = any(ch in key for ch in "*?[")
    if not globbed and key.endswith((".parquet", ".parq", ".pq")):
        return [uri]
    prefix = key
    if globbed:
        prefix = key[:min(key.index(ch) for ch in "*?[" if ch in key)]
    elif prefix and not prefix.endswith("/"):
        prefix += "/"
    try:
        keys = [k for k, _ in _list_keys(bucket, prefix)]
    except ReduceError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input: {_s3_error(uri, e)}") from None
    files = []
    for k in sorted(keys):
        rel = k[len(prefix):]
        if any(seg.startswith((".", "_")) for seg in rel.split("/")):
            continue
        if globbed and not fnmatch.fnmatchcase(k, key):
            continue
        if k.endswith((".parquet", ".parq", ".pq")):
            files.append(f"s3://{bucket}/{k}")
    if not files:
        raise ReduceError(f"no Parquet files found under {uri}")
    return files


def source_identity(source: str) -> Dict[str, Any]:
    """What identifies an input's content without reading it: size and mtime,
    or size and ETag on object storage."""
    if is_s3(source):
        bucket, key = parse_s3(source)
        try:
            h = s3_client().head_object(Bucket=bucket, Key=key)
        except Exception as e:  # noqa: BLE001
            raise ReduceError(f"cannot read input: {_s3_error(source, e)}") from None
        return {"size": int(h["ContentLength"]), "etag": h.get("ETag", "")}
    if "://" in source:
        return {}
    st = os.stat(source)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


# ---------------------------------------------------------------- datasets
class Dataset:
    """A dataset folder of parts plus ``_manifest.json``."""

    def __init__(self, location: str) -> None:
        self.location = location.rstrip("/") if is_s3(location) else os.path.abspath(location)
        self.s3 = is_s3(location)
        if self.s3:
            self.bucket, key = parse_s3(self.location)
            self.prefix = (key + "/") if key else ""

    # paths
    def uri(self, name: str) -> str:
        return f"{self.location}/{name}" if self.s3 else os.path.join(self.location, name)

    def _key(self, name: str) -> str:
        return self.prefix + name

    # queries
    def exists(self) -> bool:
        if self.s3:
            try:
                return bool(_list_keys(self.bucket, self.prefix)[:1])
            except Exception as e:  # noqa: BLE001
                raise ReduceError(f"cannot reach output: {_s3_error(self.location, e)}") from None
        return os.path.exists(self.location)

    def listing(self, depth: int = 1) -> Dict[str, int]:
        """Every file in the dataset: name -> size. ``depth=1``: directly in
        it; ``depth=2``: also one folder down (``beam=3/part-00017.parquet``,
        the layout of a partitioned run), except in hidden folders."""
        if self.s3:
            try:
                keys = _list_keys(self.bucket, self.prefix)
            except Exception as e:  # noqa: BLE001
                raise ReduceError(f"cannot reach output: {_s3_error(self.location, e)}") from None
            return {k[len(self.prefix):]: n for k, n in keys if k[len(self.prefix):].count("/") < depth}
        if not os.path.isdir(self.location):
            return {}
        out = {}
        for n in os.listdir(self.location):
            p = os.path.join(self.location, n)
            if os.path.isfile(p):
                out[n] = os.path.getsize(p)
            elif depth > 1 and os.path.isdir(p) and not n.startswith(".") and TMP_MARK not in n:
                for m in os.listdir(p):
                    q = os.path.join(p, m)
                    if os.path.isfile(q):
                        out[f"{n}/{m}"] = os.path.getsize(q)
        return out

    def prepare(self) -> None:
        if self.s3:
            try:
                s3_client().head_bucket(Bucket=self.bucket)
            except Exception as e:  # noqa: BLE001
                raise ReduceError(f"cannot write output {self.location}: {type(e).__name__}: {first_line(e)}") from None
            return
        parent = os.path.dirname(self.location) or "."
        if os.path.exists(self.location) and not os.path.isdir(self.location):
            raise ReduceError(f"output {self.location} is a file: a distributed run writes a dataset folder")
        if not os.path.isdir(parent):
            raise ReduceError(f"cannot write output {self.location}: {parent} does not exist")
        try:
            os.makedirs(self.location, exist_ok=True)
        except OSError as e:
            raise ReduceError(f"cannot write output {self.location}: {e.strerror or first_line(e)}") from None

    def metadata(self, name: str, storage_options: Optional[Dict[str, str]]) -> Dict[str, str]:
        import polars as pl

        return dict(pl.read_parquet_metadata(self.uri(name), storage_options=storage_options))

    def checksum(self, name: str) -> Tuple[int, str]:
        """(bytes, sha256) of one entry."""
        h = hashlib.sha256()
        n = 0
        if self.s3:
            body = s3_client().get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
            for chunk in iter(lambda: body.read(1 << 20), b""):
                h.update(chunk)
                n += len(chunk)
            return n, h.hexdigest()
        with open(self.uri(name), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                n += len(chunk)
        return n, h.hexdigest()

    # writes
    def staging_path(self, name: str, local_dir: Optional[str] = None) -> str:
        """Where a task writes a part before publishing it."""
        tag = f"{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        if self.s3:
            return os.path.join(local_dir or "/tmp", f".{name}{tag}")
        return os.path.join(self.location, f".{name}{tag}")

    def publish(self, staged: str, name: str) -> None:
        """Make ``staged`` the part ``name``, all at once."""
        if self.s3:
            try:
                with open(staged, "rb") as fh:  # one PUT: the object appears whole or not at all
                    s3_client().put_object(Bucket=self.bucket, Key=self._key(name), Body=fh)
            finally:
                try:
                    os.unlink(staged)
                except OSError:
                    pass
            return
        if "/" in name:
            os.makedirs(os.path.dirname(self.uri(name)), exist_ok=True)
        os.replace(staged, self.uri(name))

    def put_text(self, name: str, text: str) -> None:
        data = text.encode()
        if self.s3:
            s3_client().put_object(Bucket=self.bucket, Key=self._key(name), Body=data)
            return
        tmp = os.path.join(self.location, f".{name}{TMP_MARK}{uuid.uuid4().hex[:8]}")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.uri(name))

    def get_text(self, name: str) -> Optional[str]:
        try:
            if self.s3:
                return s3_client().get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read().decode()
            with open(self.uri(name)) as fh:
                return fh.read()
        except Exception:  # noqa: BLE001
            return None

    def delete(self, name: str) -> None:
        if self.s3:
            s3_client().delete_object(Bucket=self.bucket, Key=self._key(name))
            return
        p = self.uri(name)
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.lexists(p):
            os.unlink(p)
        if "/" in name:  # a partition folder left empty goes too
            try:
                os.rmdir(os.path.dirname(p))
            except OSError:
                pass

    def remove_temporaries(self) -> List[str]:
        """Remove what killed tasks left half-written (files, and on a
        filesystem the staging folders of partitioned tasks); return the names."""
        gone = []
        names = list(self.listing(depth=2))
        if not self.s3 and os.path.isdir(self.location):
            names += [n for n in os.listdir(self.location) if os.path.isdir(self.uri(n))]
        for n in names:
            if TMP_MARK in n:
                self.delete(n)
                gone.append(n)
        return gone

    def read_manifest(self) -> Optional[Dict[str, Any]]:
        text = self.get_text(MANIFEST)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None
