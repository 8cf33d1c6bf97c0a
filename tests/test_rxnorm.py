"""``compounding vocabulary import-rxnorm``: an RxNorm release proposes, a person reviews
(domain.md §14). The RRF sample is made for the test in the real column layout (RxNorm technical
documentation, section 12.5); its brand names are real US brands absent from the table."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest

from compounding.cli import main
from compounding.screening.medications import read_medication
from compounding.screening.vocabulary import Vocabulary, read_rows, table_path


def conso(cui, tty, text, sab="RXNORM", lat="ENG", suppress="N"):
    # RXCUI|LAT|TS|LUI|STT|SUI|ISPREF|RXAUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|STR|SRL|SUPPRESS|CVF|
    return f"{cui}|{lat}||||||{cui}0||||{sab}|{tty}|{cui}|{text}||{suppress}|4096|\n"


def rel(cui1, rela, cui2, sab="RXNORM"):
    # RXCUI1|RXAUI1|STYPE1|REL|RXCUI2|RXAUI2|STYPE2|RELA|RUI|SRUI|SAB|SL|DIR|RG|SUPPRESS|CVF|
    return f"{cui1}||CUI|RO|{cui2}||CUI|{rela}|R{cui1}{cui2}||{sab}|{sab}|||N||\n"


CONSO = "".join([
    conso(7804, "IN", "oxycodone"),
    conso(7804, "SY", "dihydrohydroxycodeinone"),
    conso(5489, "IN", "hydrocodone"),
    conso(161, "IN", "acetaminophen"),
    conso(1819, "IN", "buprenorphine"),
    conso(7242, "IN", "naloxone"),
    conso(3289, "IN", "dextromethorphan"),
    conso(214182, "MIN", "acetaminophen / hydrocodone"),
    conso(352364, "BN", "Suboxone"),            # in the table without an RXCUI
    conso(1049619, "BN", "Endocodone"),          # oxycodone, tied directly
    conso(1042693, "BN", "Zolvit"),              # hydrocodone, tied through the MIN
    conso(217184, "BN", "Delsym"),               # dextromethorphan: class other, not imported
    conso(42844, "BN", "Percocet"),              # in the table without an RXCUI
    conso(900001, "BN", "Oxydrone", suppress="O"),      # obsolete: ignored
    conso(900002, "BN", "Codylabel", sab="MTHSPL"),     # another source: ignored
    conso(7804, "SY", "oxicodona", lat="SPA"),          # not English: ignored
])
REL = "".join([
    rel(7804, "tradename_of", 1049619),
    rel(1049619, "has_tradename", 7804),
    rel(214182, "tradename_of", 1042693),
    rel(214182, "has_part", 5489),
    rel(5489, "part_of", 214182),
    rel(214182, "has_part", 161),
    rel(1819, "tradename_of", 352364),
    rel(7242, "tradename_of", 352364),
    rel(3289, "tradename_of", 217184),
    rel(7804, "tradename_of", 42844),
    rel(7804, "tradename_of", 900001),
    rel(7804, "tradename_of", 900002, sab="MTHSPL"),
])


@pytest.fixture
def release(tmp_path):
    (tmp_path / "RXNCONSO.RRF").write_text(CONSO, encoding="utf-8")
    (tmp_path / "RXNREL.RRF").write_text(REL, encoding="utf-8")
    return tmp_path


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_release_proposes_brands_and_synonyms_as_a_diff(release):
    status, diff, err = run("vocabulary", "import-rxnorm", str(release / "RXNCONSO.RRF"),
                            str(release / "RXNREL.RRF"), "--release", "2026-11-03")
    assert status == 0
    added = sorted(line for line in diff.splitlines() if line.startswith("+") and "," in line)
    assert added == sorted([
        "+Endocodone,oxycodone,full_agonist,1049619,US,RxNorm 2026-11-03 (BN)",
        "+Zolvit,hydrocodone,full_agonist,1042693,US,RxNorm 2026-11-03 (BN)",
        "+dihydrohydroxycodeinone,oxycodone,full_agonist,7804,US,RxNorm 2026-11-03 (SY)",
        # rows without an RXCUI gain it: Percocet, and both rows of Suboxone
        "+Percocet,oxycodone,full_agonist,42844,US,DailyMed (US)",
        "+Suboxone,buprenorphine,partial_agonist,352364,US;UK;AU,"
        "DailyMed (US); BNF / eMC (UK); TGA ARTG (AU)",
        "+Suboxone,naloxone,antagonist,352364,US;UK,DailyMed (US); BNF / eMC (UK)",
    ])
    for ignored in ("Delsym", "Oxydrone", "Codylabel", "oxicodona,oxycodone,full_agonist,7804"):
        assert f"+{ignored}" not in diff
    assert diff.startswith("--- a/compounding/data/medications.csv\n"
                           "+++ b/compounding/data/medications.csv\n")
    assert err.startswith("2 brand names and 1 synonyms proposed; 3 RXCUIs filled in.")


def test_the_diff_applies_and_the_new_names_match(release, tmp_path):
    status, diff, _ = run("vocabulary", "import-rxnorm", str(release / "RXNCONSO.RRF"),
                          str(release / "RXNREL.RRF"), "-o", str(tmp_path / "rxnorm.diff"))
    assert status == 0 and diff == ""
    checkout = tmp_path / "checkout"
    (checkout / "compounding" / "data").mkdir(parents=True)
    shutil.copy(table_path(), checkout / "compounding" / "data" / "medications.csv")
    subprocess.run(["git", "apply", str(tmp_path / "rxnorm.diff")], cwd=checkout, check=True)
    text = (checkout / "compounding" / "data" / "medications.csv").read_text(encoding="utf-8")
    table = Vocabulary.of(read_rows(text.splitlines()))
    assert [m.ingredient for m in read_medication("Zolvit 10 mL", table=table).matches] == [
        "hydrocodone"]
    assert [m.ingredient for m in read_medication("x", "1049619", table=table).matches] == [
        "oxycodone"]
    # the packaged table itself is untouched
    assert read_medication("Zolvit").matches == ()


def test_a_file_that_is_not_rrf_is_refused_with_its_line(release):
    (release / "RXNREL.RRF").write_text(REL + "not|an|rrf|line\n", encoding="utf-8")
    status, out, err = run("vocabulary", "import-rxnorm", str(release / "RXNCONSO.RRF"),
                           str(release / "RXNREL.RRF"))
    assert (status, out) == (2, "")
    [error] = json.loads(err)["errors"]
    assert "RXNREL.RRF, line 13: 4 fields, not the 16 of RXNREL.RRF" in error["message"]


def test_a_missing_file_is_named(release):
    status, _, err = run("vocabulary", "import-rxnorm", str(release / "nope.RRF"),
                         str(release / "RXNREL.RRF"))
    assert status == 2 and "nope.RRF" in json.loads(err)["errors"][0]["message"]
