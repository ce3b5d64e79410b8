import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grids.geojson import grids_export_geojson
from grids.models import Grid, Region


class Command(BaseCommand):
    help = (
        "Export grids as a GeoJSON FeatureCollection in the format import_grids reads "
        "(grids/geojson.py), to standard output or a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--town", metavar="CODE", help="only the grids of this town")
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    def handle(self, *args, town: str | None, output: str | None, **options):
        grids = Grid.objects.all()
        if town is not None:
            region = Region.objects.filter(code=town, level=Region.Level.TOWN).first()
            if region is None:
                raise CommandError(_("There is no town with the code %(code)s.") % {"code": town})
            grids = grids.within(region)
        collection = grids_export_geojson(grids=grids)
        text = json.dumps(collection, ensure_ascii=False, indent=1)
        if output is None:
            self.stdout.write(text)
            return
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Exported %(count)d grids to %(file)s.")
                % {"count": len(collection["features"]), "file": output}
            )
        )
