#!/usr/bin/python3
"""
Checks the OGC API - Features service (/ogc) with real clients: OWSLib (Debian python3-owslib) and, when it is
installed, QGIS's own OAPIF provider through headless PyQGIS (Debian qgis + python3-qgis).

    /usr/bin/python3 scripts/ogc-check.py http://127.0.0.1:8080/ogc [--no-qgis]

It lists the collections, reads every grid page by page following the `next` links (checking numberMatched and
that no id repeats), reads a bbox and checks each feature against it, reads the same features with
crs=EPSG:4490 (axes swapped) and checks that cases carry no personal fields. It prints what it did and saw, and
exits non-zero on the first failed expectation. test/ogc/owslib.test.ts runs it (OWSLib only) against the
micro-city in CI, which installs python3-owslib; the QGIS part needs qgis + python3-qgis and is run by hand.
"""
import json
import os
import sys
from urllib.parse import parse_qsl, urlparse

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
PERSONAL = {"reporter", "reporter_name", "reporter_phone", "phone", "description", "address", "photos", "collector_names"}


def expect(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        sys.exit(1)


def link(doc, rel):
    return next((l["href"] for l in doc.get("links", []) if l["rel"] == rel), None)


def coords(geom):
    """Every position of a GeoJSON geometry."""
    def walk(c):
        if isinstance(c[0], (int, float)):
            yield c
        else:
            for x in c:
                yield from walk(x)
    return list(walk(geom["coordinates"])) if geom else []


def check_owslib(url):
    from owslib.ogcapi.features import Features

    print(f"OWSLib {__import__('owslib').__version__}: Features({url!r})")
    w = Features(url)
    expect(link(w.response, "service-desc") is not None, "landing page has a service-desc link")
    api = w.api()
    limit = api["components"]["parameters"]["limit"]["schema"]
    print(f"  api(): OpenAPI {api['openapi']}, {len(api['paths'])} paths, limit default {limit['default']} max {limit['maximum']}")
    conf = w.conformance()["conformsTo"]
    print(f"  conformance(): {len(conf)} classes")
    expect(any(c.endswith("/conf/crs") for c in conf), "conformance lists Part 2 crs")
    cols = w.feature_collections()
    print(f"  feature_collections(): {cols}")
    expect("grids" in cols and "cases" in cols, "grids and cases are collections")
    grids = w.collection("grids")
    print(f"  collection('grids'): crs {grids['crs']}, storageCrs {grids['storageCrs']}, extent {grids['extent']['spatial']['bbox']}")
    expect(EPSG4490 in grids["crs"], "grids offer EPSG:4490")

    # Every grid, 1000 a page, following the next links as OWSLib parameters.
    page = w.collection_items("grids", limit=1000)
    matched, seen, pages = page["numberMatched"], set(), 0
    while True:
        pages += 1
        for f in page["features"]:
            expect(f["id"] not in seen, f"id {f['id']} not seen before") if f["id"] in seen else seen.add(f["id"])
        nxt = link(page, "next")
        if not nxt:
            break
        params = dict(parse_qsl(urlparse(nxt).query))
        page = w.collection_items("grids", **params)
    print(f"  collection_items('grids', limit=1000) + next links: {pages} pages, {len(seen)} features, numberMatched {matched}")
    expect(len(seen) == matched, "the pages hold numberMatched distinct features")

    # A bbox in the middle of the extent.
    x0, y0, x1, y1 = grids["extent"]["spatial"]["bbox"][0]
    bbox = [x0 + (x1 - x0) * 0.45, y0 + (y1 - y0) * 0.45, x0 + (x1 - x0) * 0.55, y0 + (y1 - y0) * 0.55]
    inbox = w.collection_items("grids", bbox=bbox, limit=10000)
    print(f"  collection_items('grids', bbox={[round(v, 5) for v in bbox]}): {inbox['numberReturned']} of {inbox['numberMatched']}")
    for f in inbox["features"]:
        xs = [c[0] for c in coords(f["geometry"])]
        ys = [c[1] for c in coords(f["geometry"])]
        if max(xs) < bbox[0] or min(xs) > bbox[2] or max(ys) < bbox[1] or min(ys) > bbox[3]:
            expect(False, f"{f['id']} lies outside the bbox")
    expect(inbox["numberReturned"] > 0, "every feature of the bbox page touches the bbox")

    # The same features in CGCS2000 (EPSG:4490): latitude first, the same numbers.
    lat_first = w.collection_items("grids", bbox=bbox, limit=10000, crs=EPSG4490)
    a = {f["id"]: coords(f["geometry"]) for f in inbox["features"]}
    b = {f["id"]: coords(f["geometry"]) for f in lat_first["features"]}
    swapped = all([[y, x] for x, y in a[k]] == b[k] for k in a) and a.keys() == b.keys()
    print(f"  collection_items('grids', crs=EPSG:4490): first position {b[next(iter(b))][0]} vs CRS84 {a[next(iter(a))][0]}")
    expect(swapped, "EPSG:4490 output is the CRS84 output with the axes swapped")

    one = w.collection_item("grids", inbox["features"][0]["id"])
    expect(one["id"] == inbox["features"][0]["id"], f"collection_item('grids', {one['id']!r}) answers that feature")

    cases = w.collection_items("cases", limit=50)
    keys = set().union(*[set(f["properties"]) for f in cases["features"]]) if cases["features"] else set()
    print(f"  collection_items('cases', limit=50): {cases['numberReturned']} of {cases['numberMatched']} open cases; properties {sorted(keys)}")
    expect(not (keys & PERSONAL), "cases carry no personal fields")

    try:
        w.collection_items("grids", nonsense="1")
        expect(False, "an unknown parameter is refused")
    except Exception as e:  # OWSLib raises on the 400
        print(f"  collection_items('grids', nonsense=1) raised: {str(e)[:120]}")
    return matched, bbox


def check_qgis(url, matched, bbox):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from qgis.core import Qgis, QgsApplication, QgsFeatureRequest, QgsRectangle, QgsVectorLayer
    except ImportError:
        print("PyQGIS not installed: skipped (apt-get install qgis python3-qgis)")
        return
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    print(f"QGIS {Qgis.QGIS_VERSION}: OAPIF provider")
    from qgis.core import QgsProviderRegistry
    md = QgsProviderRegistry.instance().providerMetadata("OAPIF")
    expect(md is not None, "the OAPIF provider is available")
    # restrictToRequestBBOX='1' is the dialog's "Only request features overlapping the view extent": QGIS then sends
    # bbox (and the simple queryables of the API document) to the server instead of downloading the whole layer.
    grids = lambda: QgsVectorLayer(f"url='{url}' typename='grids' restrictToRequestBBOX='1'", "grids", "OAPIF")
    # A fresh layer per request kind, so that QGIS asks the server (it filters its own cache once it has it all).
    layer = grids()
    expect(layer.isValid(), f"QgsVectorLayer(url='{url}' typename='grids', 'OAPIF') is valid")
    fields = [f.name() for f in layer.fields()]
    print(f"  fields {fields}; crs {layer.crs().authid()}")
    # The collection's extent (layer.extent() would make QGIS download every feature first).
    rect = QgsRectangle(*bbox)
    inrect = [f for f in layer.getFeatures(QgsFeatureRequest().setFilterRect(rect))]
    expect(inrect and all(f.geometry().intersects(rect) for f in inrect), f"setFilterRect({rect.toString(5)}): {len(inrect)} features, each intersecting it")
    code = inrect[0]["community_code"]
    sub = [f for f in grids().getFeatures(QgsFeatureRequest().setFilterExpression(f"\"community_code\" = '{code}'"))]
    expect(sub and all(f["community_code"] == code for f in sub), f"setFilterExpression(community_code = '{code}'): {len(sub)} features")
    layer = QgsVectorLayer(f"url='{url}' typename='grids'", "grids", "OAPIF")
    n = sum(1 for _ in layer.getFeatures())
    print(f"  getFeatures(): {n} features (numberMatched {matched}); featureCount() {layer.featureCount()}; extent {layer.extent().toString(5)}")
    expect(n == matched, "QGIS read every grid across the pages")
    for name in ["cases", "communities", "rules"]:
        lyr = QgsVectorLayer(f"url='{url}' typename='{name}'", name, "OAPIF")
        print(f"  {name}: valid {lyr.isValid()}, {sum(1 for _ in lyr.getFeatures())} features, fields {[f.name() for f in lyr.fields()][:8]}…")
        expect(lyr.isValid(), f"{name} opens in QGIS")


if __name__ == "__main__":
    url = next((a for a in sys.argv[1:] if not a.startswith("--")), "http://127.0.0.1:8080/ogc")
    matched, bbox = check_owslib(url)
    if "--no-qgis" not in sys.argv:
        check_qgis(url, matched, bbox)
    print("all checks passed")
    sys.stdout.flush()
    os._exit(0)  # QgsApplication.exitQgis() with layers alive crashes PyQGIS 3.22 on exit
