"""Errors the trusted CLI turns into `OURO_INPUT_ERROR <code>: <message>` and exit code 3."""

INPUT_EXIT_CODE = 3


class InputError(Exception):
    """The user's input cannot be used; `code` is stable for the host to switch on."""

    CODES = frozenset({
        'input_empty',
        'input_unreadable',
        'input_no_rows',
        'input_too_large',
        'input_columns',
        'target_unusable',
        'series_unusable',
    })

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
