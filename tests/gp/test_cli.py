"""The command line, run as ``python -m provisioning.gp`` on a virtual card kept in a file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from provisioning.gp.cli import main
from provisioning.gp.install import install_for_install
from provisioning.gp.simulator import VISA, VirtualCard

SSD = "A00000015153530101"
SEM_KEY = "11" * 16
ISSUER_KEY = "A1" * 16


def gp(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "provisioning.gp", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "sim.json"


def test_help_lists_the_commands():
    out = gp("--help").stdout
    for command in ("list", "run", "create-ssd", "put-keys", "info", "--virtual", "--reader"):
        assert command in out


def test_create_an_ssd_hand_its_keys_over_and_install_through_a_script(state, tmp_path):
    gp(
        "--virtual", "--state", str(state),
        "create-ssd", SSD, "--nv-quota", "20000", "--v-quota", "2048", "--ssd-key", SEM_KEY,
    )  # fmt: skip
    put = gp(
        "put-keys", "--state", str(state), "--sd", SSD, "--key", SEM_KEY,
        "--new-key", ISSUER_KEY, "--new-kvn", "31", "--replace", "30",
    )  # fmt: skip
    assert "KCV" in put.stdout
    assert ISSUER_KEY not in put.stdout + put.stderr
    script = tmp_path / "install.apdu"
    install = install_for_install(VISA.load_file, VISA.module, VISA.default_instance)
    script.write_text(
        f"# install the Visa instance\n{install.to_bytes().hex()}\n\n80F24002024F0000\n"
    )
    ran = gp(
        "run", str(script), "--state", str(state), "--sd", SSD, "--kvn", "31",
        "--key", ISSUER_KEY, "--security-level", "full",
    )  # fmt: skip
    assert ran.stdout.count(" 9000\n") == 2
    assert VISA.default_instance.hex().upper() in ran.stdout
    listing = gp("list", "--state", str(state)).stdout
    assert f"SSD   {SSD}" in listing
    assert f"APP   {VISA.default_instance.hex().upper()}  SELECTABLE" in listing
    card = VirtualCard.from_state(json.loads(state.read_text()))
    assert card.key_versions(bytes.fromhex(SSD)) == [0x31]


def run(capsys, *args: str) -> tuple[int, str, str]:
    """In process, for the cases that need no separate interpreter."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_info_prints_cplc_capabilities_and_free_memory(state, capsys):
    code, out, _ = run(capsys, "info", "--state", str(state))
    assert code == 0
    assert "CPLC ic_serial_number" in out
    assert "GlobalPlatform 2.3.1, SCP03 i=70" in out
    assert "NFC/SWP capable: yes" in out
    assert "free non-volatile memory" in out


def test_a_refused_command_exits_1_with_the_status_word(state, capsys):
    assert run(capsys, "create-ssd", SSD, "--state", str(state))[0] == 0
    code, _, err = run(capsys, "create-ssd", SSD, "--state", str(state))
    assert code == 1
    assert "6985" in err


def test_wrong_keys_fail_cleanly(state, capsys):
    run(capsys, "list", "--state", str(state))  # the card is made with the default test key
    code, _, err = run(capsys, "list", "--state", str(state), "--key", "00" * 16)
    assert code == 1
    assert err.startswith("error:")


def test_a_script_line_that_is_no_apdu_is_reported_with_its_line_number(state, tmp_path, capsys):
    script = tmp_path / "bad.apdu"
    script.write_text("80F24002024F0000\n80E6 nonsense\n")
    code, _, err = run(capsys, "run", str(script), "--state", str(state))
    assert code == 2
    assert "bad.apdu:2" in err


def test_a_script_stops_at_the_first_error_unless_told_to_keep_going(state, tmp_path, capsys):
    script = tmp_path / "two.apdu"
    script.write_text("80E40000064F04A0000099\n80F28002024F0000\n")
    code, out, _ = run(capsys, "run", str(script), "--state", str(state))
    assert (code, out.count(">>")) == (1, 1)
    code, out, _ = run(capsys, "run", str(script), "--keep-going", "--state", str(state))
    assert out.count(">>") == 2


def test_a_reader_without_pyscard_says_how_to_get_it(capsys):
    try:
        import smartcard  # noqa: F401
    except ImportError:
        code, _, err = run(capsys, "--reader", "any", "list")
        assert code == 2
        assert "pyscard" in err
    else:
        pytest.skip("pyscard is installed here")


def test_scp02_cards_work_from_the_command_line(state, capsys):
    args = ("--scp", "2", "--state", str(state))
    assert run(capsys, "create-ssd", SSD, "--ssd-scp", "2", "--ssd-i", "55", *args)[0] == 0
    assert SSD in run(capsys, "list", *args)[1]
