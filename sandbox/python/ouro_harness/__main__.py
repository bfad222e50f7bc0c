"""python -m ouro_harness inspect | split | predict | forecast-chart | forecast-refit | synth-split | synth-judge |
synth-export. Input problems exit 3 with one line on
stderr, `OURO_INPUT_ERROR <code>: <message>`; anything else is a bug and keeps its traceback."""

import argparse
import sys

from .errors import INPUT_EXIT_CODE, InputError
from .vocabulary import METRICS, TASKS


def _inspect(args) -> None:
    from .jsonfile import write_json
    from .profile import profile_table
    from .sniff import read_table, sniff_file
    from .tables import write_parquet

    import os
    import tempfile

    from .formats import detect, ole_problem, read_json_table, read_parquet_table, read_xlsx_table, unpack
    from .sniff import human_size

    # The format is told by the bytes (a chat upload is named whatever its sender called it):
    # Excel, Parquet, JSON records and a table inside .gz/.zip; anything else is delimited text.
    path, name = args.input, os.path.basename(args.input)
    size = os.path.getsize(path)
    if args.max_bytes is not None and size > args.max_bytes:
        raise InputError('input_too_large', f'{name} is {human_size(size)}; the limit is {human_size(args.max_bytes)}. '
                         'Upload a smaller export or a sample of the rows.')
    with tempfile.TemporaryDirectory(prefix='ouro-unpack-') as work:
        packed = []
        with open(path, 'rb') as f:
            kind = detect(f.read(4096)) if size > 0 else 'text'
        if kind == 'zip':
            import zipfile
            with zipfile.ZipFile(path) as z:
                is_workbook = 'xl/workbook.xml' in z.namelist()
            kind = 'xlsx' if is_workbook else 'zip'
        if kind in ('gzip', 'zip'):
            packed.append(name)
            path = unpack(path, name, kind, args.max_bytes, work)
            name = os.path.basename(path)
            with open(path, 'rb') as f:
                kind = detect(f.read(4096))
            if kind == 'zip':
                import zipfile
                with zipfile.ZipFile(path) as z:
                    kind = 'xlsx' if 'xl/workbook.xml' in z.namelist() else 'zip'
            if kind in ('gzip', 'zip'):
                raise InputError('input_unreadable', f'{packed[0]} holds another archive; upload the table itself.')
        if kind == 'ole':
            raise ole_problem(path, name)
        readers = {'xlsx': read_xlsx_table, 'parquet': read_parquet_table, 'json': read_json_table}
        if kind == 'xlsx':
            df, info, findings = read_xlsx_table(path, name, os.path.getsize(path), sheet=args.sheet)
        elif kind in readers:
            df, info, findings = readers[kind](path, name, os.path.getsize(path))
        else:
            fmt = sniff_file(path, args.max_bytes)
            df, findings = read_table(path, fmt)
            info = fmt.to_profile()
        if args.sheet is not None and kind != 'xlsx':
            findings = list(findings) + [f"{name} is not a workbook, so the sheet '{args.sheet}' named in the goal does not apply; read the whole file."]
        if packed:
            findings = [f'{packed[0]} is compressed; read {name} inside it.'] + list(findings)
            info = {**info, 'bytes': size}
    if len(df) == 0:
        raise InputError('input_no_rows', f'{name} has a header row but no data rows.')
    write_parquet(df, args.table)
    write_json(args.profile, profile_table(df, info, findings))


def _split(args) -> None:
    if args.task == 'forecast':
        from .forecast_split import split_series

        if not args.date_column:
            raise SystemExit('split --task forecast needs --date-column')
        split_series(table=args.table, profile=args.profile, target=args.target, date_column=args.date_column,
                     id_column=args.id_column, horizon=args.horizon, horizon_unit=args.horizon_unit,
                     metric=args.metric, seed=args.seed, workspace=args.workspace, holdout=args.holdout,
                     vault=args.vault)
        return
    from .split import split_table

    split_table(table=args.table, profile=args.profile, target=args.target, task=args.task,
                metric=args.metric, seed=args.seed, holdout_fraction=args.holdout_fraction,
                workspace=args.workspace, holdout=args.holdout, vault=args.vault)


def _predict(args) -> None:
    from .predict import predict_file

    predict_file(args.model, args.input, args.out)


def _forecast_chart(args) -> None:
    from .forecast_chart import draw_forecast_chart

    draw_forecast_chart(args.model, args.features, args.actuals, args.out)


def _forecast_refit(args) -> None:
    from .forecast_refit import refit_on_all

    refit_on_all(args.model, args.features, args.actuals, args.out)


def _synth_split(args) -> None:
    from .synth.split import split_for_synthesis

    split_for_synthesis(table=args.table, profile=args.profile, target=args.target, task=args.task, seed=args.seed,
                        holdout_fraction=args.holdout_fraction, workspace=args.workspace, holdout=args.holdout,
                        vault=args.vault)


def _synth_judge(args) -> None:
    from .synth.judge import judge

    judge(args.real, args.synthetic, args.holdout, args.meta, args.purpose, args.out, args.clean, args.predictions,
          args.baseline)


def _synth_export(args) -> None:
    from .synth.export import export

    export(args.clean, args.real, args.meta, args.format, args.out, args.chart, args.summary)


def _synth_commands(sub) -> None:
    s = sub.add_parser('synth-split', help='synthesis: hold out a sample, write the typed training rows')
    for name in ('table', 'profile', 'target', 'workspace', 'holdout', 'vault'):
        s.add_argument(f'--{name}', required=True)
    s.add_argument('--task', required=True, choices=['binary', 'multiclass', 'regression'])
    s.add_argument('--seed', type=int, default=0)
    s.add_argument('--holdout-fraction', type=float, default=0.2)
    s.set_defaults(run=_synth_split)
    j = sub.add_parser('synth-judge', help="synthesis: judge one generator's table")
    for name in ('real', 'synthetic', 'holdout', 'meta', 'out', 'clean', 'predictions'):
        j.add_argument(f'--{name}', required=True)
    j.add_argument('--purpose', required=True, choices=['stand-in', 'augment'])
    j.add_argument('--baseline', help='also write the evaluator trained on the real rows alone')
    j.set_defaults(run=_synth_judge)
    e = sub.add_parser('synth-export', help="synthesis: the chosen table in the user's format, and its chart")
    for name in ('clean', 'real', 'meta', 'out', 'chart', 'summary'):
        e.add_argument(f'--{name}', required=True)
    e.add_argument('--format', required=True, choices=['csv', 'parquet', 'xlsx'])
    e.set_defaults(run=_synth_export)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='python -m ouro_harness', description=__doc__)
    sub = p.add_subparsers(dest='command', required=True)

    inspect = sub.add_parser('inspect', help='sniff and profile an uploaded file')
    inspect.add_argument('--input', required=True)
    inspect.add_argument('--profile', required=True, help='profile JSON to write')
    inspect.add_argument('--table', required=True, help='parquet of the whole file as strings')
    inspect.add_argument('--max-bytes', type=int, default=None)
    inspect.add_argument('--sheet', default=None, help='a workbook: the sheet to read (default: the first with data)')
    inspect.set_defaults(run=_inspect)

    split = sub.add_parser('split', help='hold out a sample and write the workspace')
    split.add_argument('--table', required=True)
    split.add_argument('--profile', required=True)
    split.add_argument('--target', required=True)
    split.add_argument('--task', required=True, choices=TASKS)
    split.add_argument('--metric', required=True,
                       choices=METRICS)
    split.add_argument('--seed', type=int, default=0)
    split.add_argument('--holdout-fraction', type=float, default=0.2)
    split.add_argument('--date-column', help='forecast: the column holding the timestamps')
    split.add_argument('--id-column', help='forecast: the column naming the series of a panel')
    split.add_argument('--horizon', type=int, help='forecast: steps (or --horizon-unit units) to hold out')
    split.add_argument('--horizon-unit', choices=['step', 'half-hour', 'hour', 'day', 'week', 'month', 'quarter', 'year'])
    split.add_argument('--workspace', required=True)
    split.add_argument('--holdout', required=True)
    split.add_argument('--vault', required=True)
    split.set_defaults(run=_split)

    predict = sub.add_parser('predict', help='predict with a saved model')
    predict.add_argument('--model', required=True, help='folder holding model.joblib')
    predict.add_argument('--input', required=True, help='.parquet, .csv or .json records')
    predict.add_argument('--out', required=True)
    predict.set_defaults(run=_predict)

    chart = sub.add_parser('forecast-chart', help='draw a forecasting model against the scored holdout')
    chart.add_argument('--model', required=True)
    chart.add_argument('--features', required=True, help='holdout/features.parquet')
    chart.add_argument('--actuals', required=True, help='{"labels": [...]} in the order of --features')
    chart.add_argument('--out', required=True, help='PNG to write')
    chart.set_defaults(run=_forecast_chart)

    refit = sub.add_parser('forecast-refit', help='refit a scored forecasting model on training + holdout')
    refit.add_argument('--model', required=True)
    refit.add_argument('--features', required=True, help='holdout/features.parquet')
    refit.add_argument('--actuals', required=True, help='{"labels": [...]} in the order of --features')
    refit.add_argument('--out', required=True, help='folder for the refitted model.joblib and signature.json')
    refit.set_defaults(run=_forecast_refit)
    _synth_commands(sub)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except InputError as err:
        print(err.line(), file=sys.stderr)
        return INPUT_EXIT_CODE
    return 0


if __name__ == '__main__':
    sys.exit(main())
