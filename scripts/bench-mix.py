#!/usr/bin/env python3
"""Writes the request mix of scripts/bench-http.sh: one request path per line.

77.5 % per-article (article drawn Zipf-like from the titles ranked by their views in the
dumps; 90 % of ranges at most 50 days, the rest up to 18 months; daily, and monthly over
whole months), 22 % top (a day, or a whole month), 0.5 % aggregate. With MEDIA (a directory of
mediacounts files of the same days), a tenth of the per-article requests become media requests
per file, the file drawn the same way from the middle day's file, the referer one of the four
mediacounts referers.
Usage: bench-mix.py DUMPS START_YYYYMMDD DAYS COUNT OUT [MEDIA]
"""
import bz2
import datetime
import glob
import random
import sys
import urllib.parse
from collections import Counter

dumps, start, days, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
media = sys.argv[6] if len(sys.argv) > 6 else None
first = datetime.date(int(start[:4]), int(start[4:6]), int(start[6:8]))
last = first + datetime.timedelta(days=days - 1)
middle = first + datetime.timedelta(days=days // 2)
path = glob.glob(f"{dumps}/other/pageview_complete/{middle:%Y}/{middle:%Y-%m}/pageviews-{middle:%Y%m%d}-user.bz2")[0]

views = Counter()
projects = Counter()
for line in bz2.open(path, "rt", encoding="utf-8"):
    f = line.rstrip("\n").split(" ")
    if len(f) not in (5, 6) or not f[-2].isdigit():
        continue
    title = f[1].replace("\t", "")
    if len(title) > 1 and title[0] == '"' and title[-1] == '"':
        title = title[1:-1].replace('\\"', '"')
    views[(f[0], title)] += int(f[-2])
    projects[f[0]] += int(f[-2])
projects.pop("example.wikipedia", None)
ranked = [k for k, _ in views.most_common() if k[0] in projects]

rng = random.Random(42)
# Zipf-like over ranks: weight 1/(rank+1).
weights = [1.0 / (r + 1) for r in range(len(ranked))]
cumulative, total = [], 0.0
for w in weights:
    total += w
    cumulative.append(total)

def pick_article():
    import bisect
    return ranked[bisect.bisect_left(cumulative, rng.random() * total)]

files, file_cumulative = [], []
if media:
    middle_file = glob.glob(f"{media}/mediacounts.{middle:%Y-%m-%d}.v00.tsv.bz2")[0]
    counts = []
    for line in bz2.open(middle_file, "rt", encoding="utf-8"):
        f = line.split("\t")
        if len(f) == 25:
            counts.append((int(f[2]), f[0]))
    counts.sort(reverse=True)
    files = [urllib.parse.unquote(p) for _, p in counts]
    running = 0.0
    for r in range(len(files)):
        running += 1.0 / (r + 1)
        file_cumulative.append(running)

def pick_file():
    import bisect
    return files[bisect.bisect_left(file_cumulative, rng.random() * file_cumulative[-1])]

def ymd(d):
    return d.strftime("%Y%m%d")

accesses = ["all-access", "desktop", "mobile-web", "mobile-app"]
agents = ["all-agents", "user", "spider", "automated"]
project_names = list(projects)
with open(out, "w") as w:
    for _ in range(count):
        x = rng.random()
        if x < 0.0775 and files:
            encoded = urllib.parse.quote(pick_file(), safe="")
            referer = rng.choice(["all-referers", "internal", "external", "unknown"])
            agent = rng.choice(["all-agents", "user"])
            end = first + datetime.timedelta(days=rng.randrange(days))
            begin = end - datetime.timedelta(days=rng.randint(1, 50) - 1)
            if rng.random() < 0.85:
                w.write(f"/metrics/mediarequests/per-file/{referer}/{agent}/{encoded}/daily/{ymd(begin)}/{ymd(end)}\n")
            else:
                w.write(f"/metrics/mediarequests/per-file/{referer}/{agent}/{encoded}/monthly/{ymd(begin.replace(day=1))}/{ymd(last)}\n")
        elif x < 0.775:
            project, title = pick_article()
            end = first + datetime.timedelta(days=rng.randrange(days))
            length = rng.randint(1, 50) if rng.random() < 0.9 else rng.randint(51, 548)
            begin = end - datetime.timedelta(days=length - 1)
            access = rng.choice(accesses) if rng.random() < 0.3 else "all-access"
            agent = rng.choice(agents) if rng.random() < 0.3 else "user"
            encoded = urllib.parse.quote(title, safe="")
            if rng.random() < 0.85:
                w.write(f"/metrics/pageviews/per-article/{project}/{access}/{agent}/{encoded}/daily/{ymd(begin)}/{ymd(end)}\n")
            else:
                begin = begin.replace(day=1)
                w.write(f"/metrics/pageviews/per-article/{project}/{access}/{agent}/{encoded}/monthly/{ymd(begin)}/{ymd(last)}\n")
        elif x < 0.995:
            project = rng.choice(project_names)
            access = rng.choice(accesses)
            d = first + datetime.timedelta(days=rng.randrange(days))
            day = "all-days" if rng.random() < 0.1 else f"{d:%d}"
            w.write(f"/metrics/pageviews/top/{project}/{access}/{d:%Y}/{d:%m}/{day}\n")
        else:
            project = rng.choice(project_names + ["all-projects"])
            granularity = rng.choice(["hourly", "daily", "monthly"])
            d = first + datetime.timedelta(days=rng.randrange(days))
            if granularity == "hourly":
                w.write(f"/metrics/pageviews/aggregate/{project}/all-access/all-agents/hourly/{ymd(d)}00/{ymd(d)}23\n")
            else:
                w.write(f"/metrics/pageviews/aggregate/{project}/all-access/all-agents/{granularity}/{ymd(first)}/{ymd(last)}\n")
