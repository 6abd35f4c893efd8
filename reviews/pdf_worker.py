"""Renders one HTML document to PDF in a process of its own:
`python -m reviews.pdf_worker MAX_BYTES MAX_MEMORY`.

Reads the HTML on stdin and writes the PDF to stdout. It imports only WeasyPrint, not Django. It limits its
own address space to MAX_MEMORY bytes first; the parent (reviews.report_files.render_pdf) kills it past its
time-out, so a report too large for the machine costs one child process, never a web or task worker.
"""

import resource
import sys

TOO_LARGE = 3


def main():
    max_bytes = int(sys.argv[1])
    if len(sys.argv) > 2:
        limit = int(sys.argv[2])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from weasyprint import HTML

    pdf = HTML(string=sys.stdin.buffer.read().decode("utf-8")).write_pdf()
    if len(pdf) > max_bytes:
        sys.exit(TOO_LARGE)
    sys.stdout.buffer.write(pdf)


if __name__ == "__main__":
    main()
