"""What runs recorded, shown to people: the end-of-run summary, inspect's tables, the HTML
report."""
