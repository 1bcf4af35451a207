"""What bench/city_lists.py and bench/city_pages.py share: the OS page cache dropped
for a cold request, and the percentile of a run's times."""
import subprocess


def drop_caches():
    """Drop the OS page cache (needs root); False where the machine does not allow it."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
