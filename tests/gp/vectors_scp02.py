"""SCP02 transcripts (globalplatform.md §2.5)."""

from __future__ import annotations

from provisioning.gp import KeySet
from tests.gp.transcripts import GP_TEST_KEY, Exchange, Transcript

KAOH_DES = KeySet.single(bytes.fromhex(GP_TEST_KEY), version=0x01, kind="des")
KAOH_SCP02_GET_STATUS_RESPONSE = (
    "E30D4F07A00000000353509F700101E30B4F05A0000000049F700101E30B4F05325041592E9F700101E30B4F"
    "05F0000711809F700101E30C4F06A000000421209F700101E30D4F07D0D1D2D3D4D5019F700101"
)

SCP02 = (
    Transcript(
        # The sysmocom card answers KVN 70 to a request for KVN 20 (a card quirk).
        source="pySim tests/unittests/test_globalplatform.py SCP02_Test",
        scp=2,
        keys=KeySet(
            bytes.fromhex("100102030405060708090A0B0C0D0E0F"),
            bytes.fromhex("101102030405060708090A0B0C0D0E0F"),
            bytes.fromhex("102102030405060708090A0B0C0D0E0F"),
            version=0x70,
            kind="des",
        ),
        level=0x01,
        init_update="805020000840A62C37FA6304F800",
        init_update_response="00000000000000000000700200016B4524ABEE7CF32EA3838BC148F3",
        session_keys=(
            "1BA074B31F72A6C44FE8F5D9AFE4DA2F",
            "29A69328E60494982632039DDD47A2F1",
            "FDF8A06C38FA7A54123C80AB9087BF25",
            "511DB767812597722109C867F9D7257A",
        ),
        host_cryptogram="BA6961667737C5BC",
        external_authenticate="8482010010BA6961667737C5BCEBECE14C7D6A4376",
        exchanges=(
            Exchange("80F22002", "84F220020814DB34FA4341DCA8"),
            Exchange("80CA006600", "84CA00660855ED7C5FF069512B00"),
            Exchange(
                "80F220020A4F0212345C054F9F70C5", "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"
            ),
            Exchange("80F28002024F0000", "84F280020A4F003B95F09317DE6A4E00"),
        ),
    ),
    Transcript(
        source="kaoh/globalplatform scp02Test.c get_status_mac_only",
        scp=2,
        keys=KAOH_DES,
        level=0x01,
        init_update="8050000008D5AD539A60CA5E7200",
        init_update_response="000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E",
        external_authenticate="84820100107C799B3C771DBAE6BEF49310977617BA",
        exchanges=(
            Exchange(
                "80F22002024F0000",
                "84F220020A4F00BB6E71C0EFCFCF0D00",
                response=KAOH_SCP02_GET_STATUS_RESPONSE + "9000",
                wrapped_response=KAOH_SCP02_GET_STATUS_RESPONSE + "9000",
            ),
        ),
    ),
    # A whole DELETE / INSTALL [for load] / LOAD x2 / INSTALL [for install] script at C-DEC +
    # C-MAC; command 1 fails with 6A88 and the MAC chain goes on. The LOAD plaintexts are only
    # public through their ciphertext (helloworld.cap).
    Transcript(
        source="kaoh/globalplatform scp02Test.c install_mac_enc",
        scp=2,
        keys=KAOH_DES,
        level=0x03,
        init_update="8050000008EBAA9E53C696281B00",
        init_update_response="000074746E6E6E626262010206A15086BBEE58F467149061DA4B6EAE",
        external_authenticate="848203001005814C116071EB67D8BA9D9879454564",
        exchanges=(
            Exchange(
                "80E400800A4F08D0D1D2D3D4D5010100",
                "84E4008018BC146FA0403BE4BAD3BC089E4ABD8674DA7EFEA21047B85800",
                response="6A88",
            ),
            Exchange(
                "80E40080094F07D0D1D2D3D4D50100",
                "84E4008018C2748C1669FAFC0E20C5253680388A4A49C9A6038D77B45700",
                response="009000",
            ),
            Exchange(
                "80E602001E07D0D1D2D3D4D50108A000000003000000000AEF08C6020160C80207D00000",
                (
                    "84E60200280839B761AA201C218FD6607C56803CFD2D098CBAA9946976EEFAE3F210038EB4965D6E"
                    "04EDEF801700"
                ),
                response="009000",
            ),
            Exchange(
                None,
                (
                    "84E80000F8562EFDC9F22082A5184831F1DA6A0F495C5DF0FD71E8014A2B94EA81069FB630346197"
                    "CDF1C3BD9CDBDD9513BFE6FE7992730FCF2089019D1374DA1021BD74E2085B806B8DA57431FF0084"
                    "06E1C695F2E27E0C2A554E01047B9B36F4058CFC1C2FB8D0A45B01C626DF5CB2509436283BE22B9E"
                    "7750B3B7F36E29E3C97C69533B35C2DBEF13904D06E96BEBB6FA38D3E7EB7EB9170F3004824F5A32"
                    "278AE7CBC3E591BA0C79B090FBD8038B60AC5F83E4E250B32AD5B92768E775AA974A4FAFC81356FA"
                    "333D5AB4FAF1A0056E08420AF95D18CA0DF726BA560C5C340CCA81A1BEA294AAFE3AED250EF6865A"
                    "A2D3F11D058FDFE5EE7622AE19"
                ),
                response="009000",
                plain_prefix="80E80000EFC4820157010011DECAFFED010204000107D0D1D2D3D4D501",
            ),
            Exchange(
                None,
                (
                    "84E88001787FFE538F755D612CEE738FA68E177E8E146E66EF2A840387F7086C1CA8659C9F985585"
                    "E11001A12D4940CB3EF200DFEC9EC7FB59CADED4A7F82EDA5BE808552A3CD3B65D41F9F61A23E6FD"
                    "A2C1BF2493F4929950FA62030FF023B34398247A2E01BBF949E819B5EEA117DC6E0D91D40D85ABDE"
                    "0BC2A76D8600"
                ),
                response="9000",
                plain_prefix="80E880016C",
            ),
            Exchange(
                "80E60C002707D0D1D2D3D4D50108D0D1D2D3D4D5010108D0D1D2D3D4D501010102"
                "09C90100EF04C80207D00000",
                (
                    "84E60C00300839B761AA201C21EDAE7D003F76B62164B363AF56A2C7FE12AEF9FDC790DFC8FFE6B0"
                    "346E9BF02674684247652F109A00"
                ),
                response="9000",
            ),
        ),
    ),
)
