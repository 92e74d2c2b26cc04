"""How many decimals money is rounded to: the ISO 4217 minor unit of the currency (2 unless listed)."""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not 2 (list of 2024); anything else has cents.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}


def currency_decimals(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)
