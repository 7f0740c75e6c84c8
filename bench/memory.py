"""Peak memory (RSS) of labelling a large JSONL dump on CPU: is it bounded, whatever the dump's size?

    python bench/memory.py --model /tmp/def_full2 [--size-gb 2] [--tag-seconds 300] [--out bench/results/memory.json]

Three measurements, each in a fresh child process whose RSS is sampled from /proc every 0.2 s (peak = the
kernel's VmHWM, read just before the child ends):

1. ``dump``: a JSONL dump of ``--size-gb`` GB is generated under /tmp (never in the repo; reused when present):
   articles of 1-20 sentences from the project's fictional sample reports, a few bad lines, and some 1 MB
   articles near the start, so the tagging run meets them.
2. ``stream``: the WHOLE dump through ``conflict-tag``'s reader and writer (``iter_records`` -> ``JsonlSink``,
   a small record per article, progress record per chunk): the part of the pipeline whose memory could grow
   with the dump's size.
3. ``tag``: ``conflict-tag`` itself (model, tokenizer, tagger, event records, writer) on the same dump for
   ``--tag-seconds``, then killed: on 2 shared cores it labels only the dump's first part, so the result reports
   RSS over time (per quarter of the run) as well as the peak: flat RSS over tens of thousands of articles,
   together with the whole-dump stream, is the evidence that a full run stays under the same peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GIB = 1024**3
MIB = 1024**2
SAMPLE = REPO / "examples" / "sample" / "train.jsonl"


# ---- the dump ----------------------------------------------------------------------------------------------------
def _sentences() -> list[str]:
    import re

    out = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        out.extend(s for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]) if s)
    return out


def generate_dump(path: Path, size_bytes: int, seed: int = 0) -> dict:
    """Seeded articles until the file holds ``size_bytes``; returns what it wrote."""
    rng = random.Random(seed)
    sentences = _sentences()
    tmp = path.with_name(path.name + ".tmp")
    written = articles = bad = big = 0
    with open(tmp, "wb", buffering=8 * MIB) as f:
        while written < size_bytes:
            i = articles + bad
            if i % 50_000 == 17:
                line = b'{"id": "broken-' + str(i).encode() + b'", "text": \n'
                bad += 1
            else:
                if i in (100, 2_000, 9_000):  # 1 MB articles early enough for the tagging run to meet them
                    text = " ".join(rng.choice(sentences) for _ in range(7_000))
                    big += 1
                else:
                    text = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 20)))
                day = 1 + i % 28
                line = (
                    json.dumps(
                        {"id": f"art-{i}", "date": f"2024-03-{day:02d}", "text": text}, ensure_ascii=False
                    )
                    + "\n"
                ).encode("utf-8")
                articles += 1
            f.write(line)
            written += len(line)
    os.replace(tmp, path)
    return {
        "path": str(path),
        "bytes": written,
        "articles": articles,
        "bad_lines": bad,
        "one_mb_articles": big,
    }


# ---- child processes ---------------------------------------------------------------------------------------------
def stream_child(dump: str, out: str, chunk: int) -> None:
    """Every record of the dump through the reader and the writer, with a progress record per chunk."""
    from inference.batch.readers import Fields, discover_inputs, iter_records
    from inference.batch.writers import JsonlSink, Progress

    sink, errors = JsonlSink(out), JsonlSink(out + ".errors.jsonl")
    sink.start(0)
    errors.start(0)
    progress = Progress({"inputs": [dump]})
    batch, rejects = [], []
    for rec in iter_records(discover_inputs([dump]), Fields()):
        if rec.error is None:
            batch.append({"id": rec.id, "chars": len(rec.text), "date": rec.date})
        else:
            rejects.append({"location": rec.location, "reason": rec.error})
        progress.consumed += 1
        if progress.consumed % chunk == 0:
            sink.append(batch)
            errors.append(rejects)
            progress.tagged += len(batch)
            progress.failed += len(rejects)
            batch, rejects = [], []
            progress.output, progress.errors = sink.state(), errors.state()
            progress.save(Path(out + ".progress.json"))
    sink.append(batch)
    errors.append(rejects)
    progress.tagged += len(batch)
    progress.failed += len(rejects)
    progress.complete = True
    progress.save(Path(out + ".progress.json"))
    sink.close()
    errors.close()


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def _consumed(progress: Path) -> int | None:
    try:
        return json.loads(progress.read_text())["consumed"]
    except (OSError, ValueError, KeyError):
        return None


def watch(cmd: list[str], progress: Path, seconds: float | None, env: dict) -> dict:
    """Run ``cmd``, sampling its RSS and progress; kill it after ``seconds`` (None: let it finish)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[tuple[float, int, int | None]] = []
    peak = {"VmHWM": 0}
    stderr: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    reader.start()
    killed = False
    while proc.poll() is None:
        try:
            st = _status(proc.pid)
        except (OSError, ValueError):
            break
        peak["VmHWM"] = max(peak["VmHWM"], st.get("VmHWM", 0))
        if st.get("VmRSS"):  # 0 once the process has exited
            samples.append((time.perf_counter() - t0, st["VmRSS"], _consumed(progress)))
        if seconds is not None and time.perf_counter() - t0 > seconds:
            peak["VmHWM"] = max(peak["VmHWM"], _status(proc.pid).get("VmHWM", 0))
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.2)
    proc.wait()
    reader.join(timeout=10)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) and not killed:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {b''.join(stderr).decode()[-3000:]}")
    return {
        "wall_s": round(wall, 1),
        "killed_after_s": seconds if killed else None,
        "peak_rss_mib": round(peak["VmHWM"] / MIB, 1),
        "records_settled": _consumed(progress),
        "samples": samples,
    }


def timeline(samples: list[tuple[float, int, int | None]], parts: int = 4) -> list[dict]:
    """RSS and records settled at the end of each quarter of the run (after the first 10%: start-up)."""
    if not samples:
        return []
    end = samples[-1][0]
    rows = []
    for k in range(parts + 1):
        t = end * (0.1 + 0.9 * k / parts)
        s = min(samples, key=lambda x: abs(x[0] - t))
        rows.append({"t_s": round(s[0], 1), "rss_mib": round(s[1] / MIB, 1), "records": s[2]})
    return rows


def _table(result: dict) -> str:
    lines = [
        "| run | what | records settled | wall s | peak RSS MiB | RSS over the run (MiB at 10%..100%) |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name in ("stream", "tag"):
        r = result[name]
        over = " / ".join(f"{row['rss_mib']:.0f}" for row in r["timeline"])
        lines.append(
            f"| {name} | {r['what']} | {r['records_settled']} | {r['wall_s']} | {r['peak_rss_mib']} | {over} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="model folder (e.g. /tmp/def_full2, or a runs/ folder)")
    p.add_argument("--size-gb", type=float, default=2.0)
    p.add_argument(
        "--dump", default="/tmp/conflict-events-memory/dump.jsonl", help="generated here (not the repo)"
    )
    p.add_argument("--tag-seconds", type=float, default=300.0, help="how long the tagging run goes on")
    p.add_argument("--chunk-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reuse-stream", action="store_true", help="keep the stream result of --out (same dump)")
    p.add_argument("--out", default=str(REPO / "bench" / "results" / "memory.json"))
    args = p.parse_args(argv)

    dump = Path(args.dump)
    if REPO in dump.resolve().parents:
        p.error("--dump must be outside the repository")
    dump.parent.mkdir(parents=True, exist_ok=True)
    size = int(args.size_gb * GIB)
    meta_path = dump.with_name(dump.name + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() and dump.exists() else None
    if meta is None or meta["bytes"] < size:
        t0 = time.perf_counter()
        meta = generate_dump(dump, size)
        meta["generate_s"] = round(time.perf_counter() - t0, 1)
        meta_path.write_text(json.dumps(meta, indent=1))
    print(f"dump: {dump} ({meta['bytes'] / GIB:.2f} GiB, {meta['articles']} articles)", flush=True)

    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OMP_NUM_THREADS": str(args.threads),
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_OFFLINE": "1",
    }
    work = dump.parent
    for old in work.glob("out-*"):
        old.unlink()

    out = work / "out-stream.jsonl"
    previous = (
        json.loads(Path(args.out).read_text()) if args.reuse_stream and Path(args.out).exists() else None
    )
    if previous is not None and previous["dump"]["bytes"] == meta["bytes"]:
        stream = previous["stream"]
        stream["timeline"] = [row for row in stream["timeline"] if row["rss_mib"] > 0]
    else:
        stream = watch(
            [sys.executable, __file__, "_stream", str(dump), str(out), str(args.chunk_size)],
            Path(str(out) + ".progress.json"),
            None,
            env,
        )
    stream["what"] = "whole dump: readers + JSONL writer + progress records"
    print(f"stream: {stream['records_settled']} records, peak RSS {stream['peak_rss_mib']} MiB", flush=True)

    out = work / "out-tag.jsonl"
    cmd = [sys.executable, "-m", "inference", str(dump), "--model", args.model, "-o", str(out), "-q"]
    cmd += ["--device", "cpu", "--chunk-size", str(args.chunk_size)]
    tag = watch(cmd, Path(str(out) + ".progress.json"), args.tag_seconds, env)
    tag["what"] = f"conflict-tag, first {args.tag_seconds:.0f} s of the dump"
    print(f"tag: {tag['records_settled']} records, peak RSS {tag['peak_rss_mib']} MiB", flush=True)

    for r in (stream, tag):
        if "samples" in r:
            r["timeline"] = timeline(r.pop("samples"))
    result = {
        "command": "python bench/memory.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "model": args.model,
        "dump": meta,
        "chunk_size": args.chunk_size,
        "threads": args.threads,
        "stream": stream,
        "tag": tag,
        "limit_mib": 2048,
        "under_limit": max(stream["peak_rss_mib"], tag["peak_rss_mib"]) < 2048,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "note": "shared machine"},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(_table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_stream":
        stream_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())
