"""Renders one HTML document to PDF in a process of its own: `python -m reviews.pdf_worker MAX_BYTES`.

Reads the HTML on stdin and writes the PDF to stdout. It imports only WeasyPrint, not Django: the parent
(reviews.report_files.render_pdf) sets its memory limit and time-out and kills it if it overruns, so a
report too large for the machine costs one child process, never a web worker.
"""

import sys

TOO_LARGE = 3


def main():
    max_bytes = int(sys.argv[1])
    from weasyprint import HTML

    pdf = HTML(string=sys.stdin.buffer.read().decode("utf-8")).write_pdf()
    if len(pdf) > max_bytes:
        sys.exit(TOO_LARGE)
    sys.stdout.buffer.write(pdf)


if __name__ == "__main__":
    main()
