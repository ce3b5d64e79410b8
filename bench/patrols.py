"""Benchmark: the patrol authenticity rules on labelled patrols (issue 20).

    .venv/bin/python bench/patrols.py [--n 500] [--seed 20]
        [--database-url postgis://postgres@127.0.0.1:5432/gp_bench_patrols]

It builds a town of its own with ``demo.labelled_patrols.labelled_patrols_seed`` (members
who walk honestly and members who log hollow patrols of six kinds, all drawn with noise),
judges every patrol with ``members.services.authenticity.patrols_assess`` as the nightly
run does, and compares the stored flags with the labels: a patrol with any flag counts as
called hollow. Everything runs in one transaction that is rolled back, so a run leaves the
database as it found it. It prints the recall per kind of hollow patrol, the false
positives per flag, and, last, exactly::

    patrols: n=N precision=P recall=R

Target: precision and recall at least 0.9. The benchmark refuses a database whose name
does not contain "bench"; ``BENCH_PATROLS_DATABASE_URL`` sets the default of
``--database-url``.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard import log, setup_django  # noqa: E402 - the sibling benchmark's set-up

DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/gp_bench_patrols"
TARGET = 0.9


class _Rollback(Exception):
    pass


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="labelled patrols")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_PATROLS_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if args.n < 50:
        parser.error("--n must be at least 50")
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("give a database whose name contains 'bench'")
    return args


def main() -> int:
    args = parse_args()
    log(f"database {urlsplit(args.database_url).path.lstrip('/')}: migrating")
    setup_django(args.database_url)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from demo.labelled_patrols import labelled_patrols_score, labelled_patrols_seed
    from members.services.authenticity import patrols_assess

    now = timezone.now()
    try:
        with transaction.atomic():
            started = time.perf_counter()

            def progress(count: int) -> None:
                if count // 100 != (count - 1) // 100 or count >= args.n:
                    log(f"  {count} patrols generated")

            labels = labelled_patrols_seed(n=args.n, seed=args.seed, now=now, progress=progress)
            elapsed = time.perf_counter() - started
            log(f"generated {len(labels)} labelled patrols in {elapsed:.1f} s")
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                judged = patrols_assess(since=now - timezone.timedelta(days=200), now=now)
            log(
                f"judged {judged} patrols in {time.perf_counter() - started:.1f} s, "
                f"{len(captured.captured_queries)} queries"
            )
            score = labelled_patrols_score(labels)
            raise _Rollback
    except _Rollback:
        pass
    print(f"    hollow {score.hollow} of {score.n}; flagged {score.flagged}")
    print("    recall by kind (flagged / of):")
    for kind, (caught, of) in sorted(score.recall_by_kind.items()):
        print(f"      {kind:<8} {caught:>4} / {of:<4} {caught / of:.2f}")
    print("    honest patrols flagged, by flag:")
    for kind, count in sorted(score.false_positives_by_flag.items()):
        print(f"      {kind:<24} {count}")
    met = score.precision >= TARGET and score.recall >= TARGET
    print(f"    target: precision and recall ≥ {TARGET}: {'met' if met else 'NOT met'}")
    print(f"patrols: n={score.n} precision={score.precision:.3f} recall={score.recall:.3f}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
