"""The daily digest: gathering the sections, its record of runs, rendering and mail delivery."""
