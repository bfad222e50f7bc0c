"""Errors the trusted CLI turns into `OURO_INPUT_ERROR <code>: <message>` and exit code 3."""

from .vocabulary import INPUT_ERROR_CODES

INPUT_EXIT_CODE = 3


class InputError(Exception):
    """The user's input cannot be used; `code` is stable for the host to switch on."""

    # Shared with the host (vocabulary.json, generated from core/schemas/vocabulary.ts).
    CODES = INPUT_ERROR_CODES

    def __init__(self, code: str, message: str):
        if code not in self.CODES:
            raise ValueError(f'unknown input error code {code!r}')
        super().__init__(message)
        self.code = code
        self.message = message

    def line(self) -> str:
        return f'OURO_INPUT_ERROR {self.code}: {self.message}'


class MissingColumnError(KeyError):
    """An input lacks a column the cleaner needs. KeyError, so `except KeyError` still works."""

    def __init__(self, column: str, available=()):
        self.column = column
        shown = ', '.join(repr(c) for c in list(available)[:20])
        more = '' if len(available) <= 20 else f' and {len(available) - 20} more'
        self.text = f"missing input column '{column}'" + (f' (the input has {shown}{more})' if available else '')
        super().__init__(column)

    def __str__(self) -> str:
        return self.text
