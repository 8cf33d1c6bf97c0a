"""ZPL labels for Zebra thermal printers (domain.md §7, §13), checked by parsing the ZPL
produced: no printer is at hand, so every field's place, size and data is read back."""

from __future__ import annotations

import re

import pytest

from compounding.cli import main
from compounding.documents import label_text
from compounding.errors import OrderError
from compounding.profile import Profile

from .helpers import assert_error_body, make_order
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

    from compounding.bench.labeling import Dispensing

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


# -- schedule labels, reprints and copies (tracker issue 23) -----------------------------------

MARK = re.compile(r"\^FO(\d+),(\d+)\^GB(\d+),(\d+),(\d+)\^FS\n\^FO(\d+),(\d+)\^A0N,(\d+),(\d+)"
                  r"\^FR\^FH\^FDREPRINT\^FS")


def test_a_titration_prints_its_steps_on_a_schedule_label():
    # four steps were LABEL_TOO_LONG on 3 x 2 in; they go on a label of their own
    from .test_label import TITRATION

    order = make_order(**LABELLED | {"strength": "1.5 mg", "directions": TITRATION})
    for name in ("4x2", "3x2"):
        first, schedule, *rest = labels(label_text(order, stock(name), form="zpl"))
        assert "See the dosing schedule label" in [t for _, t in check_inside(first, 203)]
        steps = [(h, t) for h, t in check_inside(schedule, 203) if h == round(11 * 203 / 72)]
        assert steps[0][1].startswith("1. Take 1.5 mg at bedtime") and len(steps) >= 4
        assert " ".join(t for _, t in steps).count("then") == 3
        assert "^BC" not in schedule
        for label in rest:
            check_inside(label, 203)


@pytest.mark.parametrize("dpi", [203, 300])
def test_a_reprint_marks_every_label_of_every_copy(dpi):
    from .test_label import TITRATION

    order = make_order(**LABELLED | {"strength": "1.5 mg", "directions": TITRATION})
    once = labels(label_text(order, stock("3x2"), form="zpl", dpi=dpi))
    again = labels(label_text(order, stock("3x2"), form="zpl", dpi=dpi, reprint=True,
                              copies=2))
    assert len(again) == 2 * len(once) and not any("REPRINT" in label for label in once)
    for label, first in zip(again, once * 2, strict=True):
        [mark] = MARK.findall(label)
        box_x, box_y, box_w, box_h, _, text_x, text_y, size, _ = map(int, mark)
        width = int(re.search(r"\^PW(\d+)", label).group(1))
        assert size == round(8 * dpi / 72) and box_x + box_w <= width
        assert box_x < text_x and box_y <= text_y and text_y + size <= box_y + box_h + 1
        # beside the Rx number (or the heading), left of the barcode, over no other field
        barcode = BARCODE.findall(label)
        if barcode:
            assert box_x + box_w < int(barcode[0][0])
        for x, y, h, _, data in FIELD.findall(label):
            if int(y) + int(h) > box_y and int(y) < box_y + box_h:  # on the mark's line
                assert int(x) + len(unhex(data)) * int(h) * 0.45 < box_x, unhex(data)
        # the mark adds no line: the same fields in the same places
        assert FIELD.findall(label) == FIELD.findall(first)


def test_copies_repeat_the_whole_set():
    zpl = label_text(make_order(**LABELLED), stock("3x2"), form="zpl", copies=3)
    found = labels(zpl)
    assert len(found) == 6 and found[0::2] == [found[0]] * 3 and found[1::2] == [found[1]] * 3
    with pytest.raises(ValueError, match="1 to 20"):
        label_text(make_order(**LABELLED), PROFILE, form="zpl", copies=21)


# -- sending ZPL to a printer ------------------------------------------------------------------

def test_zpl_is_sent_to_the_printer_by_raw_tcp():
    import socket
    import threading

    from compounding.documents.printer import send_zpl

    zpl = label_text(make_order(**LABELLED | {"patient": {"name": "Zoë Łukasz"}}), PROFILE,
                     form="zpl")
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)

        def printer() -> None:
            connection, _ = server.accept()
            with connection:
                while chunk := connection.recv(65536):
                    received.extend(chunk)

        thread = threading.Thread(target=printer)
        thread.start()
        send_zpl(zpl, "127.0.0.1", server.getsockname()[1])
        thread.join(10)
    assert bytes(received) == zpl.encode("utf-8")
    assert "Zoë Łukasz" in received.decode("utf-8")


def test_a_printer_that_cannot_be_reached_is_named_in_plain_words():
    import socket

    from compounding.documents.printer import PrinterError, send_zpl
    from compounding.errors import CompoundingError

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    # nothing listens there now
    with pytest.raises(CompoundingError) as caught:
        send_zpl("^XA^XZ", "127.0.0.1", port, timeout=2)
    assert isinstance(caught.value, PrinterError)
    [error] = assert_error_body(caught.value.to_json(), 502)
    assert (error["code"], error["field"]) == ("PRINTER_UNREACHABLE", "printer")
    assert f"The label printer at 127.0.0.1, port {port}, refused the connection" in (
        error["message"])
    assert "Traceback" not in str(caught.value) and "Errno" not in str(caught.value)
    with pytest.raises(PrinterError, match="could not be found"):
        send_zpl("^XA^XZ", "no-such-printer.invalid", timeout=2)


def test_a_printer_that_does_not_answer_times_out(monkeypatch):
    import socket

    from compounding.documents import printer

    def silent(address, timeout):
        assert address == ("10.0.0.9", 9100) and timeout == 5.0  # the defaults
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", silent)
    with pytest.raises(printer.PrinterError, match="did not answer within 5 seconds"):
        printer.send_zpl("^XA^XZ", "10.0.0.9")
