"""The bundled scanned sample: hongze-2023.pdf printed, stamped with the district office's seal and
scanned at 150 dpi in grey with a slight skew, as ``data/samples/hongze-2023-scan.pdf``.

    python -m tests.scans.sample [--out data/samples/hongze-2023-scan.pdf]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.scans.scanner import Scan, scan_pdf

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "samples" / "hongze-2023.pdf"
OUT = ROOT / "data" / "samples" / "hongze-2023-scan.pdf"
HONGZE_SCAN = Scan(dpi=150, skew=0.6, noise=6, quality=50, seal_text="淮安市洪泽区人民政府办公室", seed=2023)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = scan_pdf(SOURCE.read_bytes(), HONGZE_SCAN)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
