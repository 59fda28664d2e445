"""A short atheris run of every target of fuzz_parsers.py, one after another: the CI smoke run.

    .venv/bin/python fuzz/run_all.py [--seconds 30] [--only mail,qr] [--keep]

Each target starts from a corpus seeded with the real-world files the tests use (mail fixtures, billing samples)
in a scratch directory under var/fuzz/ (kept with --keep, so a later run continues from it). Exit status 1 when a
target crashed (the crashing input is saved by libFuzzer as var/fuzz/crash-*); known bugs are listed, not failed."""

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "fuzz" / "fuzz_parsers.py"
TARGETS = ["mail", "pbx", "billing", "billing-cells", "qr", "edo-diadoc", "edo-sbis", "payment-webhook",
           "payment-signature"]
SEEDS = {"mail": ["abonent/channels/email/tests/fixtures"], "billing": ["docs/billing-samples"]}


def seed_corpus(target: str, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for folder in SEEDS.get(target, []):
        for path in sorted((ROOT / folder).glob("*")):
            if path.is_file() and path.stat().st_size < 1_000_000:
                shutil.copy(path, corpus / path.name)


def run(target: str, seconds: int, work: Path) -> tuple[bool, list[str], str]:
    corpus = work / target
    seed_corpus(target, corpus)
    command = [sys.executable, str(HARNESS), target, f"-max_total_time={seconds}", "-rss_limit_mb=2048",
               "-timeout=20", f"-artifact_prefix={work}/crash-{target}-", str(corpus)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,  # noqa: S603 - our own harness
                          timeout=seconds + 120, check=False)
    output = done.stdout + done.stderr
    known = sorted({line for line in output.splitlines() if line.startswith("KNOWN BUG")})
    crashed = done.returncode != 0
    runs = next((line.split("Done ")[1].split(" ")[0] for line in output.splitlines() if "Done " in line), "?")
    summary = f"{target}: {'СБОЙ' if crashed else 'ok'}, {runs} входов за {time.monotonic() - started:.0f} с"
    if crashed:
        tail = "\n".join(output.splitlines()[-40:])
        summary += "\n" + tail
    return crashed, known, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="сколько секунд на каждую цель")
    parser.add_argument("--only", default="", help="цели через запятую (по умолчанию все)")
    parser.add_argument("--keep", action="store_true", help="не удалять корпус после прогона")
    args = parser.parse_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris не установлен: .venv/bin/pip install atheris==3.1.0", file=sys.stderr)
        return 2
    targets = [t for t in args.only.split(",") if t] or TARGETS
    work = ROOT / "var" / "fuzz"
    work.mkdir(parents=True, exist_ok=True)
    failed, known_all = [], []
    for target in targets:
        crashed, known, summary = run(target, args.seconds, work)
        print(summary, flush=True)
        known_all += known
        if crashed:
            failed.append(target)
    if known_all:
        print("\nИзвестные ошибки (тест с xfail называет исправление):")
        for line in known_all:
            print(" ", line)
    if not args.keep:
        for target in targets:
            shutil.rmtree(work / target, ignore_errors=True)
    if failed:
        print(f"\nСБОЙ: {', '.join(failed)} — входные данные сохранены в {work}/crash-*", file=sys.stderr)
        return 1
    print("\nНовых сбоев нет.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
