from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from grids.geojson import grids_import_geojson


class Command(BaseCommand):
    help = (
        "Import or update grids, and the regions they name, from a GeoJSON FeatureCollection "
        "(format: grids/geojson.py). All or nothing: one bad feature and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .geojson file, UTF-8")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, then roll back"
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            # utf-8-sig: files saved by Windows tools often start with a byte order mark.
            with open(file, encoding="utf-8-sig") as stream:
                text = stream.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        bar, shown = None, None

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal bar, shown
            if stage != shown:
                if bar is not None:
                    bar.close()
                # tqdm draws with carriage returns; the OutputWrapper around stderr would end
                # each of its writes with a newline, so tqdm gets the stream underneath.
                bar = tqdm(total=total, desc=stage, file=self.stderr._out, disable=None)
                shown = stage
            bar.update(done - bar.n)

        try:
            result = grids_import_geojson(data=text, progress=progress, dry_run=dry_run)
        finally:
            if bar is not None:
                bar.close()
        for line in result.errors:
            self.stderr.write(line)
        if result.errors:
            raise CommandError(
                ngettext(
                    "%(count)d error; nothing was imported.",
                    "%(count)d errors; nothing was imported.",
                    len(result.errors),
                )
                % {"count": len(result.errors)}
            )
        figures = {
            "grids": result.created + result.updated,
            "created": result.created,
            "updated": result.updated,
            "regions": result.regions_created,
        }
        if dry_run:
            summary = _(
                "Dry run: %(grids)d grids would be imported (%(created)d created, "
                "%(updated)d updated) with %(regions)d new regions; nothing was written."
            )
        else:
            summary = _(
                "Imported %(grids)d grids (%(created)d created, %(updated)d updated) "
                "and %(regions)d new regions."
            )
        self.stdout.write(self.style.SUCCESS(summary % figures))
