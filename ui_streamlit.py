"""Tra cứu Kế hoạch web app: ask, read, precedents, duties, uploads over one index (logic in search/, indexer/)."""
from __future__ import annotations

import streamlit as st

from indexer import build_index
from indexer.errors import TracuuError
from indexer.settings import DEFAULT_MODEL, Settings
from search import Searcher
from search import reading
from search import access
from search import ui_support as ui
from search.ui_api import (DUTY_VIEW_COLUMNS, PrecedentFinder, ask, compile_filters, current_generation,
                           draft_profile, duties_to_ics, duty_table, filter_duties, in_calendar, load_plans, open_index)

TABS = ("Hỏi đáp", "Văn bản", "Tương tự", "Nhiệm vụ & thời hạn", "Thêm văn bản", "Nhật ký thay đổi")
EXAMPLE = "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?"
ALL = "Tất cả"
# Fixed script (no document text in it): bring the cited section into view once its expander has rendered.
SCROLL_TO_FOCUS = """<script>
(function (tries) {
  function go() {
    var el = document.getElementById("tracuu-focus");
    if (el) { el.scrollIntoView({block: "start", behavior: "smooth"}); } else if (tries-- > 0) { setTimeout(go, 200); }
  }
  setTimeout(go, 300);
})(15);
</script>"""
CSS = """<style>
.tracuu-answer {font-size: 1.15rem; font-weight: 600; margin: .2rem 0 .8rem;}
.tracuu-title {font-size: 1.05rem;} .tracuu-meta {color: #555; font-size: .88rem;}
.tracuu-quote {border-left: 3px solid #c9a227; background: #fffbea; padding: .35rem .8rem; margin: .2rem 0 .5rem;}
.tracuu-section {max-height: 22rem; overflow-y: auto; font-size: .9rem; background: #fafafa; padding: .4rem .6rem;}
.tracuu-doc {line-height: 1.6;} .tracuu-outline {font-size: .85rem; padding: .05rem 0;}
.tracuu-focus {border-left: 4px solid #1f77b4; background: #eef5fc; padding: .3rem .6rem; margin: .3rem 0;}
mark {background: #ffe066; padding: 0 .1rem;}
</style>"""

settings = Settings.from_env()
st.set_page_config(page_title="Tra cứu Kế hoạch", page_icon="📑", layout="wide")
st.html(CSS)
access_settings = access.AccessSettings.from_env(settings.index_dir)
users = access.UserStore(access_settings.users_path)
origin = access.client_origin(st.context.ip_address)  # the client's IP, "local" on this machine
oidc_enabled = st.secrets.load_if_toml_exists() and "auth" in st.secrets  # [auth] in .streamlit/secrets.toml


@st.cache_resource
def login_throttle() -> access.LoginThrottle:
    # One per server process: wrong passwords count across every browser session.
    return access.LoginThrottle()


def signed_in() -> access.Identity | None:
    """Who this session is: an OIDC user (st.login), else the local account signed in here (still existing)."""
    if oidc_enabled and st.user.is_logged_in:
        return access.oidc_identity(st.user.to_dict(), users)
    name = st.session_state.get("signed_in")
    account = users.get(name) if name else None
    return access.Identity(account.name, account.role, "password") if account else None


def sign_out() -> None:
    st.session_state.pop("signed_in", None)
    if oidc_enabled and st.user.is_logged_in:
        st.logout()


def account_panel() -> None:
    if identity is not None:
        role = "biên tập viên" if identity.is_editor else "người đọc"
        st.caption(f"Đã đăng nhập: **{identity.name}** ({role})")
        st.button("Đăng xuất", on_click=sign_out)
        return
    with st.form("signin", clear_on_submit=True, border=False):
        name = st.text_input("Tên đăng nhập", key="signin_name")
        password = st.text_input("Mật khẩu", type="password", key="signin_password")
        if st.form_submit_button("Đăng nhập"):
            result = access.sign_in(users, login_throttle(), name, password, origin)
            if result.identity is None:
                st.error(result.message)
            else:
                st.session_state["signed_in"] = result.identity.name
                st.rerun()
    if oidc_enabled:
        st.button("Đăng nhập bằng tài khoản cơ quan", on_click=st.login)


identity = signed_in()


def html(markup: str) -> None:
    """Markup built only from escaped document text (search.ui_support) and fixed tags."""
    st.markdown(markup, unsafe_allow_html=True)


def generation() -> str | None:
    live = current_generation(settings.index_dir)
    return live.name if live else None


@st.cache_resource(show_spinner="Đang mở chỉ mục…", max_entries=1)
def open_searcher(index_dir: str, generation: str) -> Searcher:
    # Keyed by the live generation, so a rebuild (here or from the CLI) loads the new index on the next run.
    return open_index(index_dir)


@st.cache_resource(show_spinner="Đang chuẩn bị so sánh văn bản…", max_entries=1)
def precedent_finder(index_dir: str, generation: str) -> PrecedentFinder:
    return PrecedentFinder(load_plans(open_searcher(index_dir, generation).reader))


def progress_callback(bar):
    names = {"read": "Đọc văn bản", "embed": "Nhúng đoạn văn"}

    def on_progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{names.get(stage, stage)}: {done}/{total}")

    return on_progress


def rebuild(label: str):
    """Bring the index up to date with the corpus folder, with a progress bar; None (and an error shown) on failure.
    The run goes to the audit trail (a first start with nobody signed in is recorded as the app's own)."""
    bar = st.progress(0.0, text=label)
    who = identity or access.Identity("ứng dụng (lần mở đầu)", "reader", "app")
    try:
        report = build_index([settings.corpus_dir], settings.index_dir, settings=settings, lock_timeout=120,
                             on_progress=progress_callback(bar))
    except TracuuError as error:  # NothingIndexed, IndexLocked, …: the previous index (if any) stays live
        access.changes.record_build(who, origin, "reindex", settings.index_dir, [settings.corpus_dir], error=error)
        st.error(str(error))
        return None
    access.changes.record_build(who, origin, "reindex", settings.index_dir, [settings.corpus_dir], report)
    bar.progress(1.0, text=f"Xong: {report.documents} văn bản, {report.chunks} đoạn.")
    return report


def outcome_table(rows: list[tuple[str, str]]) -> None:
    # st.table is plain HTML (readable by screen readers and browser tests); few rows, no need for a grid.
    st.table([{"Tệp": name, "Kết quả": message} for name, message in rows], hide_index=True)


def open_reader(doc_id: str, section: str = "", passage: str = "", page: int | None = None) -> None:
    st.session_state.update(read_doc=doc_id, read_section=section or "", read_quote=passage or "", read_page=page,
                            read_scroll=True, tab="Văn bản")


def plan_header(info, doc_number, title, issuer, date, source: str) -> None:
    place = info.place if info else None
    html(f'<div class="tracuu-title"><b>{ui.escape_text(doc_number or "Không số")}</b> — '
         f'{ui.escape_text(" ".join((title or source).split()))}</div>'
         f'<div class="tracuu-meta">{ui.escape_text(ui.plan_meta(issuer, place, date))}</div>')


def quote(label: str, text: str, spans) -> None:
    html(f'<div class="tracuu-meta">{ui.escape_text(label)}</div>{ui.quote_block(text, spans)}')


def show_plans(group: str, plans, question: str) -> None:
    """Plans of an answer, each with its quotes (query terms highlighted) and a button to read it."""
    for plan in plans:
        with st.container(border=True):
            plan_header(docs_by_id.get(plan.doc_id), plan.doc_number, plan.title, plan.issuer, plan.date, plan.source)
            for i, c in enumerate(plan.citations):
                label = ui.citation_label(c.section, ui.paged_page(plan.source, c.page),
                                          ocr_confidence=c.ocr_confidence)
                quote(label, c.quote, ui.highlight_spans(c.quote, question))
                st.button("Đọc toàn văn", key=f"{group}-{plan.doc_id}-{i}", on_click=open_reader,
                          args=(plan.doc_id, c.section, c.quote, c.page))


# ---------------------------------------------------------------- sign-in, first start, index, status

if not access.allowed(identity, "search", access_settings.read_requires_login):
    st.title("Tra cứu Kế hoạch")
    st.info("Cần đăng nhập để tra cứu kho văn bản này.")
    account_panel()
    st.stop()

with st.sidebar.expander("Đăng nhập biên tập" if identity is None else "Tài khoản", expanded=identity is not None):
    account_panel()

if generation() is None:
    st.title("Tra cứu Kế hoạch")
    if not settings.corpus_dir.is_dir():
        st.error(f"Chưa có chỉ mục tại {settings.index_dir} và không thấy thư mục kho văn bản {settings.corpus_dir}. "
                 "Đặt TRACUU_CORPUS là thư mục chứa văn bản rồi mở lại.")
        st.stop()
    st.info(f"Chưa có chỉ mục tại {settings.index_dir}: đang lập chỉ mục từ {settings.corpus_dir} (chỉ làm lần đầu).")
    if rebuild("Đang lập chỉ mục…") is None or generation() is None:
        st.stop()
    st.rerun()

try:
    searcher = open_searcher(str(settings.index_dir), generation())
except TracuuError as error:
    st.error(str(error))
    if not access.allowed(identity, "reindex"):
        st.info("Biên tập viên đăng nhập (thanh bên) để lập lại chỉ mục.")
    elif st.button("Lập lại chỉ mục từ kho văn bản"):
        if rebuild("Đang lập lại chỉ mục…") is not None:
            st.rerun()
    st.stop()

reader = searcher.reader
docs = searcher.documents()
docs_by_id = {d.doc_id: d for d in docs}

with st.sidebar:
    st.title("Tra cứu Kế hoạch")
    col1, col2 = st.columns(2)
    col1.metric("Văn bản", len(docs))
    col2.metric("Đoạn văn", reader.n_rows)
    hybrid = searcher.has_dense
    st.caption(f"Chế độ: **{'kết hợp (từ vựng + ngữ nghĩa)' if hybrid else 'từ vựng'}** · "
               f"Mô hình: **{ui.model_label(reader.manifest.get('model'))}** · "
               f"Chỉ mục lập {ui.format_age(reader.manifest.get('created'))}")
    st.header("Bộ lọc")
    years = sorted({d.year for d in docs if d.year})
    year_range = st.slider("Năm ban hành", years[0], years[-1], (years[0], years[-1])) if len(years) > 1 else None
    issuers = sorted({part.strip() for d in docs for part in (d.issuer or "").split(";") if part.strip()})
    issuer = st.selectbox("Cơ quan ban hành", [ALL, *issuers], key="f_issuer")
    place = st.selectbox("Địa danh", [ALL, *sorted({d.place for d in docs if d.place})], key="f_place")
    doc_type = st.selectbox("Loại văn bản", [ALL, *sorted({d.doc_type for d in docs if d.doc_type})], key="f_type")

filters = {"issuer": issuer, "place": place, "doc_type": doc_type}
filters = {k: v for k, v in filters.items() if v != ALL}
if year_range and year_range != (years[0], years[-1]):
    filters.update(year_from=year_range[0], year_to=year_range[1])
predicate = compile_filters(filters)


def doc_ok(info) -> bool:
    return predicate is None or (info is not None and predicate(info))


if not hybrid:
    # A lexical index needs no reason; a hybrid index whose model is missing here does.
    reason = searcher.lexical_reason if reader.mode == "hybrid" else None
    st.warning(ui.lexical_notice(reason, settings.model or DEFAULT_MODEL, reader.mode, settings), icon="ℹ️")


# ---------------------------------------------------------------- Hỏi đáp

def tab_ask() -> None:
    question = st.text_input("Câu hỏi hoặc từ khóa (có dấu, không dấu, viết tắt đều được)", key="question",
                             placeholder=EXAMPLE).strip()
    if not question:
        st.caption(f"Ví dụ: “{EXAMPLE}” · “ke hoach nao yeu cau bao cao hang quy ve so noi vu” · "
                   "“which plans require quarterly reporting to Sở Nội vụ”")
        return
    memo = st.session_state.setdefault("answers", {})
    key = (generation(), question)
    if key not in memo:
        llm = None
        if settings.llm_url:
            from search.ui_api import LLMClient

            llm = LLMClient(settings.llm_url, settings.llm_model)
        memo.clear()
        with st.spinner("Đang tìm câu trả lời…"):
            memo[key] = ask(searcher, question, llm=llm)
    answer = memo[key]
    restored = searcher.searched_as(question)
    if restored:
        st.caption(f"Tìm theo: {restored}")
    plans = [p for p in answer.plans if doc_ok(docs_by_id.get(p.doc_id))]
    html(f'<div class="tracuu-answer">{ui.escape_text(answer.answer)}</div>')
    if len(plans) < len(answer.plans):
        st.caption(f"Bộ lọc đang ẩn {len(answer.plans) - len(plans)} kế hoạch của câu trả lời.")
    show_plans("a", plans, question)
    near = [p for p in answer.near_matches if doc_ok(docs_by_id.get(p.doc_id))]
    if near:
        with st.expander(f"Gần đúng: {len(near)} kế hoạch chỉ đáp ứng một phần câu hỏi"):
            show_plans("n", near, question)
    st.subheader("Các đoạn liên quan")
    hits = searcher.search(question, k=10, mode="hybrid", filters=filters or None)
    if not hits:
        st.info("Không có đoạn nào khớp (với bộ lọc hiện tại).")
    for hit in hits:
        with st.container(border=True):
            plan_header(docs_by_id.get(hit.doc_id), hit.doc_number, hit.title, hit.issuer, hit.date, hit.source)
            heading = ui.shorten(hit.heading.split(" › ")[-1], 80)
            label = f"#{hit.rank} · " + ui.citation_label(hit.section, ui.paged_page(hit.source, hit.page), heading,
                                                         hit.ocr_confidence)
            # Phrase highlights read better; the engine's term spans cover English and abbreviation queries.
            quote(label, hit.text, ui.highlight_spans(hit.text, question) or hit.highlights)
            st.button("Đọc toàn văn", key=f"h-{hit.rank}", on_click=open_reader,
                      args=(hit.doc_id, hit.section, hit.text, hit.page))


# ---------------------------------------------------------------- Văn bản

def tab_read() -> None:
    requested = st.session_state.get("read_doc")
    # A plan opened from a result stays readable even when the sidebar filters would hide it.
    ids = [d.doc_id for d in docs if doc_ok(d) or d.doc_id == requested] or [d.doc_id for d in docs]
    if requested not in ids:
        st.session_state["read_doc"] = ids[0]
    label = {d.doc_id: ui.plan_title(d.doc_number, d.title, d.source)[:160] for d in docs}
    doc_id = st.selectbox("Văn bản", ids, format_func=label.get, key="read_doc",
                          on_change=lambda: st.session_state.update(read_section="", read_quote="", read_page=None))
    info, text, sections = docs_by_id[doc_id], reader.document_text(doc_id), reader.sections(doc_id)
    paths = ["", *(s.path for s in sections)]
    cited = reading.section_at(sections, st.session_state.get("read_section"))
    st.session_state["read_section"] = cited.path if cited else ""
    left, right = st.columns([1, 3])
    with left:
        headings = {s.path: ui.shorten(s.heading, 70) for s in sections}
        focus = st.selectbox("Đi đến mục", paths, key="read_section",
                             format_func=lambda p: headings.get(p, "Phần đầu văn bản"),
                             on_change=lambda: st.session_state.update(read_quote="", read_page=None, read_scroll=True))
        html(reading.outline_html(reading.outline(sections), focus))
    with right:
        plan_header(info, info.doc_number, info.title, info.issuer, info.date, info.source)
        st.caption(" · ".join(x for x in (info.doc_type or "", f"Tệp: {info.source}",
                                          "Người ký: " + ", ".join(info.signers) if info.signers else "") if x))
        focus_section = reading.section_at(sections, focus)
        near = focus_section.start if focus_section else 0
        span = reading.quote_span(text, st.session_state.get("read_quote") or "", near)
        if info.source.lower().endswith(".pdf"):
            original = reading.document_file(settings.corpus_dir, info.source)
            pages = reader.pages(doc_id)
            page = st.session_state.get("read_page") or (
                next((p.number for p in pages if focus_section and p.start <= focus_section.start < p.end), 1))
            with st.expander("Trang gốc (PDF)", expanded=True):
                if original is None:
                    st.info("Không còn tệp PDF gốc trong kho văn bản.")
                else:
                    number = st.number_input("Trang", 1, max(len(pages), 1), min(page, max(len(pages), 1)))
                    st.image(reading.pdf_page_png(original, int(number)), caption=f"Trang {int(number)}")
        for block in reading.reading_blocks(text, sections, focus, [span] if span else []):
            with st.expander(block.title, expanded=block.has_focus):
                html(f'<div class="tracuu-doc">{block.html}</div>')
        if st.session_state.pop("read_scroll", False):
            st.html(SCROLL_TO_FOCUS, unsafe_allow_javascript=True)
        if info.recipients or info.references:
            with st.expander("Nơi nhận và văn bản căn cứ"):
                st.dataframe({"Nơi nhận": info.recipients}, hide_index=True)
                st.dataframe({"Văn bản được dẫn": info.references}, hide_index=True)


# ---------------------------------------------------------------- Tương tự

def tab_similar() -> None:
    st.subheader("Tìm văn bản tương tự")
    finder = precedent_finder(str(settings.index_dir), generation())
    source = st.radio("So sánh từ", ["Một văn bản đã có", "Bản dự thảo dán vào"], horizontal=True, key="prec_source")
    query = None
    if source == "Một văn bản đã có":
        label = {d.doc_id: ui.plan_title(d.doc_number, d.title, d.source)[:160] for d in docs}
        chosen = st.selectbox("Văn bản", [d.doc_id for d in docs], format_func=label.get, key="prec_doc")
        query = finder.plan(chosen)
    else:
        draft = st.text_area("Nội dung dự thảo", height=220, key="prec_draft",
                             placeholder="Dán toàn văn hoặc một phần kế hoạch đang soạn…")
        query = draft_profile(draft) if draft.strip() else None
    if query is not None:
        st.markdown("##### Văn bản giống nhất")
        for item in [s for s in finder.similar_plans(query, k=10) if doc_ok(s.info)][:5]:
            with st.container(border=True):
                text_col, score_col, button_col = st.columns([8, 1, 2], vertical_alignment="center")
                with text_col:
                    plan_header(item.info, item.info.doc_number, item.info.title, item.info.issuer, item.info.date,
                                item.info.source)
                score_col.caption(f"tương đồng {item.score:.2f}")
                button_col.button("Đọc toàn văn", key=f"sim-{item.info.doc_id}", on_click=open_reader,
                                  args=(item.info.doc_id,))
        st.markdown("##### Cùng mục ở các kế hoạch khác")
        for match in finder.matching_sections(query, per_kind=2):
            st.markdown(f"**{match.kind}**")
            columns = st.columns(1 + max(len(match.matches), 1))
            with columns[0]:
                st.caption("Văn bản đang xét" + (f" · mục {match.own.section}" if match.own else " (không có mục này)"))
                if match.own:
                    html(f'<div class="tracuu-section">{ui.escape_text(match.own.text)}</div>')
            for column, (section, info, score) in zip(columns[1:], match.matches):
                with column:
                    st.caption(f"{ui.shorten(ui.plan_title(info.doc_number, info.title, info.source), 70)} · "
                               f"mục {section.section} · {score:.2f}")
                    html(f'<div class="tracuu-section">{ui.escape_text(section.text)}</div>')
                    st.button("Đọc toàn văn", key=f"sec-{match.kind}-{section.doc_id}-{section.section}",
                              on_click=open_reader, args=(section.doc_id, section.section, "", section.page))


# ---------------------------------------------------------------- Nhiệm vụ & thời hạn

def tab_duties() -> None:
    st.subheader("Nhiệm vụ báo cáo và thời hạn")
    col1, col4, col2, col3 = st.columns(4)
    recipient = col1.text_input("Gửi đến / qua cơ quan", key="duty_to", placeholder="ví dụ: Sở Nội vụ").strip()
    actor = col4.text_input("Cơ quan thực hiện", key="duty_by", placeholder="ví dụ: UBND huyện").strip()
    frequencies = col2.multiselect("Tần suất", list(ui.FREQUENCY_LABELS), format_func=ui.frequency_label,
                                   key="duty_freq", placeholder=ALL)
    duties = reader.duties()
    duty_years = sorted({docs_by_id[d.doc_id].year for d in duties
                         if d.doc_id in docs_by_id and docs_by_id[d.doc_id].year})
    duty_year = col3.selectbox("Năm của kế hoạch", [ALL, *duty_years], key="duty_year")
    chosen = [d for d in filter_duties(duties, recipient or None, actor or None)
              if (not frequencies or d.frequency in frequencies)
              and doc_ok(docs_by_id.get(d.doc_id))
              and (duty_year == ALL or docs_by_id[d.doc_id].year == duty_year)]
    hide_passed = st.checkbox("Ẩn các hạn một lần đã qua", key="duty_hide_passed")
    rows = duty_table(chosen, docs_by_id, hide_passed=hide_passed)
    st.caption(f"{len(rows)} nhiệm vụ, xếp theo hạn kế tiếp (để trống khi kế hoạch không nêu ngày cụ thể; "
               "hạn một lần đã qua ghi “đã qua” và xếp cuối)")
    st.dataframe(rows, hide_index=True, column_order=DUTY_VIEW_COLUMNS)
    calendar = [d for d in chosen if in_calendar(d)]  # one-off deadlines already past are not put in the calendar
    col1, col2 = st.columns(2)
    col1.download_button("Tải bảng (CSV)", ui.rows_to_csv(rows, DUTY_VIEW_COLUMNS), file_name="nhiem-vu.csv",
                         mime="text/csv")
    col2.download_button(f"Tải lịch thời hạn (.ics, {len(calendar)} thời hạn sắp tới)", duties_to_ics(calendar, docs_by_id),
                         file_name="thoi-han.ics", mime="text/calendar", disabled=not calendar)


# ---------------------------------------------------------------- Thêm văn bản (editors)

def tab_add() -> None:
    if not access.allowed(identity, "upload"):  # the tab is not even offered; this is the second lock
        st.error("Chỉ biên tập viên đã đăng nhập được thêm hoặc gỡ văn bản.")
        return
    st.subheader("Thêm văn bản")
    upload_dir = settings.corpus_dir / "uploads"
    st.caption(f"Nhận {ui.UPLOAD_FORMATS_LABEL}: tối đa {limits.max_files} tệp, {settings.max_file_mb:g} MB mỗi tệp, "
               f"{limits.max_upload_bytes / 2**20:g} MB mỗi lần. Tệp được lưu vào {upload_dir} và lập chỉ mục ngay; "
               "chỉ tệp mới hoặc đã đổi được xử lý. Mọi thay đổi được ghi vào nhật ký.")
    round_ = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader("Chọn tệp", type=[s.lstrip(".") for s in ui.ALLOWED_UPLOAD_SUFFIXES], accept_multiple_files=True,
                             key=f"upload-{round_}", max_upload_size=max(1, int(settings.max_file_mb)))
    if st.button("Lập chỉ mục các tệp đã chọn", type="primary", disabled=not files):
        bar = st.progress(0.0, text="Đang lưu và lập chỉ mục…")
        try:
            outcomes = access.changes.upload(identity, origin, [(f.name, f.getvalue()) for f in files],
                                             settings.corpus_dir, settings.index_dir, limits, build_index,
                                             upload_dir=upload_dir, settings=settings, lock_timeout=120,
                                             on_progress=progress_callback(bar))
        except TracuuError as error:
            st.error(str(error))
        else:
            st.session_state["upload_outcomes"] = [(o.name, o.message) for o in outcomes]
            st.session_state["upload_round"] = round_ + 1
            st.rerun()
    if st.session_state.get("upload_outcomes"):
        st.markdown("##### Kết quả")
        outcome_table(st.session_state["upload_outcomes"])
    st.divider()
    if st.button("Cập nhật chỉ mục từ kho văn bản"):
        report = rebuild("Đang cập nhật chỉ mục…")
        if report is not None:
            changed = [(f.source, ui.STATUS_LABELS.get(f.status, f.status) + (f": {f.reason}" if f.reason else ""))
                       for f in report.files if f.status != "unchanged"]
            st.session_state["upload_outcomes"] = changed or [("—", "Không có tệp nào thay đổi.")]
            st.rerun()
    with st.expander("Gỡ một văn bản khỏi kho"):
        label = {d.source: ui.plan_title(d.doc_number, d.title, d.source)[:160] for d in docs}
        source = st.selectbox("Văn bản cần gỡ", sorted(label), format_func=lambda s: f"{s} — {label[s]}",
                              key="remove_source")
        sure = st.checkbox("Tôi chắc chắn muốn xóa tệp này khỏi kho văn bản", key="remove_sure")
        if st.button("Gỡ văn bản", disabled=not (source and sure)):
            try:
                access.changes.remove(identity, origin, source, settings.corpus_dir, settings.index_dir, build_index,
                                      settings=settings, lock_timeout=120)
            except TracuuError as error:
                st.error(str(error))
            else:
                st.session_state["upload_outcomes"] = [(source, "đã gỡ khỏi kho và chỉ mục")]
                st.rerun()


def tab_audit() -> None:
    if not access.allowed(identity, "audit"):
        return
    st.subheader("Nhật ký thay đổi kho văn bản")
    entries = access.audit.read(settings.index_dir, limit=200)
    st.caption(f"{len(entries)} thay đổi gần nhất, mới nhất trước · tệp {access.audit.audit_path(settings.index_dir)} "
               "· cũng xem bằng lệnh `tracuu audit`")
    if entries:
        st.table(access.audit.rows(entries), hide_index=True)


limits = access.WriteLimits.from_env()
tabs = access.visible_tabs(TABS, identity)
if st.session_state.get("tab") not in (None, *tabs):  # an editor tab left open by someone who signed out
    st.session_state["tab"] = tabs[0]
containers = st.tabs(tabs, key="tab", on_change="rerun")
active = st.session_state.get("tab") or tabs[0]
# Only the open tab is computed: each rerun would otherwise redo every tab's work.
with containers[tabs.index(active)]:
    {"Hỏi đáp": tab_ask, "Văn bản": tab_read, "Tương tự": tab_similar, "Nhiệm vụ & thời hạn": tab_duties,
     "Thêm văn bản": tab_add, "Nhật ký thay đổi": tab_audit}[active]()
