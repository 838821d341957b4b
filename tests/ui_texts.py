"""Texts shared by the UI tests (AppTest and the real browser)."""

QUESTION = "ke hoach nao yeu cau bao cao hang quy ve so noi vu"
# A plan whose body holds markup that must be shown as text, never run.
SCRIPT_PLAN = """ỦY BAN NHÂN DÂN XÃ AN BÌNH

Số: 12/KH-UBND

An Bình, ngày 05 tháng 3 năm 2024

KẾ HOẠCH
Thử nghiệm hiển thị văn bản có mã

I. Mục đích, yêu cầu
1. Kiểm tra rằng nội dung <script>alert(1)</script> được hiển thị như chữ thường.

II. Tổ chức thực hiện
1. Văn phòng UBND xã báo cáo kết quả hàng tháng về Phòng Nội vụ.
"""
