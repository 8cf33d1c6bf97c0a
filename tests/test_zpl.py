"""ZPL labels for Zebra thermal printers (domain.md §7, §13), checked by parsing the ZPL
produced: no printer is at hand, so every field's place, size and data is read back."""

from __future__ import annotations

import re

import pytest

from compounding.cli import main
from compounding.documents import label_text
from compounding.errors import OrderError
from compounding.profile import Profile

from .helpers import make_order
from .test_label import LABELLED, PROFILE

FIELD = re.compile(r"\^FO(\d+),(\d+)\^A0N,(\d+),(\d+)\^FH\^FD(.*?)\^FS")
BARCODE = re.compile(r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^BCN,(\d+),N,N,N\^FH\^FD(.*?)\^FS")


def unhex(text: str) -> str:
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def labels(zpl: str) -> list[str]:
    found = re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)
    assert "".join(found).count("^XA") == zpl.count("^XA")  # nothing outside a label
    return found


def stock(name: str) -> Profile:
    return PROFILE.model_copy(update={"label": PROFILE.label.model_copy(update={"stock": name})})


def check_inside(label: str, dpi: int) -> list[tuple[int, str]]:
    """Every text field inside the label, a conservative width per character; (size, text)."""
    width = int(re.search(r"\^PW(\d+)", label).group(1))
    height = int(re.search(r"\^LL(\d+)", label).group(1))
    fields = []
    for x, y, h, _, data in FIELD.findall(label):
        x, y, h = int(x), int(y), int(h)
        assert 0 <= x and 0 <= y and y + h <= height, (y, h, height)
        assert x + len(unhex(data)) * h * 0.45 <= width + 1, unhex(data)  # 0.45 h: font 0
        fields.append((h, unhex(data)))
    return fields


@pytest.mark.parametrize("dpi", [203, 300])
def test_every_field_is_inside_the_label_and_the_barcode_reads_the_rx(dpi):
    zpl = label_text(make_order(**LABELLED), PROFILE, form="zpl", dpi=dpi)
    [label] = labels(zpl)
    # 4 × 2 in at dpi dots per inch
    assert f"^PW{4 * dpi}" in label and f"^LL{2 * dpi}" in label and "^CI28" in label
    fields = check_inside(label, dpi)
    texts = [t for _, t in fields]
    assert texts[3:6] == ["Jane Q. Public", "Naltrexone HCl 4.5 mg capsules",
                          "Take 1 capsule by mouth at bedtime"]
    # type sizes in dots: 12 pt name, 11 pt drug and directions, 7 pt cautions, 6 pt address
    sizes = dict((t, h) for h, t in fields)
    assert sizes["Jane Q. Public"] == round(12 * dpi / 72)
    assert sizes["Take 1 capsule by mouth at bedtime"] == round(11 * dpi / 72)
    assert min(h for h, _ in fields) == round(6 * dpi / 72)
    [(x, _, module, _, _, data)] = BARCODE.findall(label)
    assert data == "100234" and int(module) == {203: 2, 300: 3}[dpi]  # whole dots
    # the barcode (11 modules a character, start, check, stop) ends inside the label
    assert int(x) + (11 * (len(data) // 2 + 3) + 2) * int(module) <= 4 * dpi


def test_a_proof_carries_the_band_and_a_dispensing_label_does_not():
    zpl = label_text(make_order(**LABELLED), PROFILE, form="zpl")
    assert "^FR" in zpl and "PROOF — NOT FOR DISPENSING" in zpl
    from datetime import date

    from compounding.labeling import Dispensing

    dispensing = Dispensing("20261122-001", date(2026, 11, 22), date(2027, 5, 21))
    zpl = label_text(make_order(**LABELLED), PROFILE, dispensing, form="zpl")
    assert "PROOF" not in zpl and "^FR" not in zpl


def test_typed_text_never_acts_as_a_command():
    zpl = label_text(make_order(**LABELLED | {"patient": {"name": "Ann ^XZ^XA~JA Lee_"}}), PROFILE,
                     form="zpl")
    [label] = labels(zpl)  # still one label: "^XZ" in the name did not end it
    assert "Ann _5EXZ_5EXA_7EJA Lee_5F" in label
    assert "Ann ^XZ^XA~JA Lee_" in [t for _, t in check_inside(label, 203)]


def test_what_does_not_fit_goes_on_an_auxiliary_label():
    zpl = label_text(make_order(**LABELLED), stock("3x2"), form="zpl")
    first, second = labels(zpl)
    assert "^PW609" in first and "^PW609" in second  # 3 in at 203 dpi
    heading = " ".join(t for h, t in check_inside(second, 203) if h == round(8 * 203 / 72))
    assert heading == "Auxiliary label · Rx 100234 · Jane Q. Public (continued)"
    assert "^BC" not in second
    for label in (first, second):
        check_inside(label, 203)


def test_directions_too_long_are_refused_as_on_paper():
    with pytest.raises(OrderError) as caught:
        label_text(make_order(**LABELLED | {"directions": "Take one capsule by mouth. " * 14}),
                   stock("3x2"), form="zpl")
    assert [(e.code, e.field) for e in caught.value.errors] == [("LABEL_TOO_LONG", "directions")]


def test_cjk_names_are_cut_to_fit():
    order = make_order(**LABELLED | {"patient": {"name": "王小明" * 12}})
    zpl = label_text(order, PROFILE, form="zpl")
    fields = [f for label in labels(zpl) for f in check_inside(label, 203)]
    name = "".join(t for h, t in fields if h == round(12 * 203 / 72))
    assert name == "王小明" * 12  # every character printed, in lines that fit


def test_the_command_line_writes_zpl_and_json(tmp_path):
    import json

    from .test_label import SAMPLES

    order = tmp_path / "order.json"
    order.write_text(json.dumps(make_order(**LABELLED)), encoding="utf-8")
    profile = str(SAMPLES / "pharmacy.toml")
    assert main(["label", str(order), "-o", str(tmp_path / "l.zpl"), "--format", "zpl",
                 "--dpi", "300", "--profile", profile]) == 0
    assert "^PW1200" in (tmp_path / "l.zpl").read_text(encoding="utf-8")
    assert main(["label", str(order), "-o", str(tmp_path / "l.json"), "--format", "json",
                 "--profile", profile]) == 0
    content = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))
    assert content["patient"] == "Jane Q. Public" and content["proof"] is True
    assert content["proof_band"] == "PROOF — NOT FOR DISPENSING"
