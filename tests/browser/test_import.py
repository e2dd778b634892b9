"""The import page in a real browser: a manager uploads a sheet, reads the check report, confirms."""

import re
from pathlib import Path

from tests.browser.conftest import login, settle, shot
from tests.helpers_ingest import HEADER_ZH, write_csv


def test_manager_imports_a_sheet(page, app_url, tmp_path):
    rows = [[f"浏览器导入{i}号有限公司", f"2026-03-0{i + 1} 10:00", "电话", "rep1", "浏览器测试", "需求确认", "是", "20"]
            for i in range(3)]
    rows.append(["坏行", "不是日期", "电话", "rep1", "x", "", "", ""])
    rows += [[f"坏行{i}", "不是日期", "电话", "rep1", "x", "", "", ""] for i in range(20)]  # more than the list shows
    rows.append(["别的组", "2026-03-05 10:00", "电话", "rep5", "x", "", "", ""])  # rep5 is in team 2
    rows.append(["新人的客户", "2026-03-06 10:00", "拜访", "李新人", "x", "", "", ""])  # no such account yet
    rows.append(rows[0][:4] + ["同一分钟又记了一次"] + rows[0][5:])  # row 28 repeats row 2: skipped, and said so
    path = write_csv(tmp_path / "跟进记录.csv", HEADER_ZH, rows, encoding="gb18030")
    login(page, app_url, "manager1", path="import")
    page.wait_for_selector("text=下载导入模板")
    # the uploader's own button and hint are drawn in Chinese over Streamlit's English words
    drawn = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stFileUploaderDropzone]')].map(z => [
        getComputedStyle(z.querySelector('button p'), '::after').content,
        getComputedStyle(z.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span'), '::after').content])""")
    assert drawn and all(b == '"上传"' and h.startswith('"拖放文件到此处') for b, h in drawn), drawn
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(path))
    page.wait_for_selector("text=校验结果", timeout=60_000)
    settle(page)
    page.wait_for_selector("text=文字编码:gb18030。 类型按表头推断")  # a sentence each
    page.wait_for_selector("text=不是本团队的销售", state="attached")  # a cell of the data grid
    # the rows refused, counted, then what for (one line per reason, with how many rows)
    page.wait_for_selector("text=被拒绝的行:22 行")
    page.wait_for_selector("text=原因(举例)", state="attached")
    page.wait_for_selector("text=下面列出前 20 条问题")
    # the account an unknown name would create is named before anything is written (a typo shows)
    page.wait_for_selector("text=将新建 1 个销售账号(无密码):李新人。如果是跟进人的名字写错了")
    # March's follow-ups: their customers will read as silent on the risk board, said before confirming
    page.wait_for_selector("text=文件中最新的一条跟进在 2026-03-06")
    # the skipped duplicate: folded away, and on opening it names the row it repeats
    page.get_by_text("跳过的重复行:1 行").click()
    page.wait_for_selector("text=与本文件第 2 行重复", state="attached")
    page.wait_for_selector("text=同一分钟又记了一次", state="attached")  # its own summary, which differs
    shot(page, "import_check_report")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("text=导入完成:导入 4 行,拒绝 22 行,重复 1 行。", timeout=60_000)
    settle(page)
    page.wait_for_selector("text=新建了 1 个销售账号(无密码):李新人。")
    # the file's follow-ups are March's: /records opens on the last 30 days, so the link carries the file's dates
    link = page.get_by_role("link", name="在「跟进记录」中查看 2026-03-01 至 2026-03-06 的跟进")
    assert "from=2026-03-01" in link.get_attribute("href") and "to=2026-03-06" in link.get_attribute("href")
    with page.expect_download(timeout=30_000) as download:  # named in words, with the run's number
        page.get_by_role("button", name="下载被拒绝行的明细(CSV)").click()
    assert re.fullmatch(r"被拒绝的行-\d{6}-.+\.csv", download.value.suggested_filename), download.value.suggested_filename
    settle(page)
    shot(page, "import_done")
    # the summary replaces the check's estimate ("nothing written yet") and its finished bar
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "校验结果" not in main and "尚未写入" not in main and "被拒绝的行" in main, main
    assert "按默认值记录" not in main, main  # the sheet has 是否有效 and 沟通时长
    assert page.locator('[data-testid="stProgress"]').count() == 0

    # a file without a required column: said once for the file, before its rows' rejects
    lacking = write_csv(tmp_path / "缺列.csv", ["客户名称", "跟进日期", "跟进人", "跟进内容"],
                        [["缺列公司", "2026-03-07 10:00", "rep1", "x"]])
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(lacking))
    page.wait_for_selector("text=文件中没有这些必填项的列:跟进方式。每一行都会因此被拒绝。", timeout=30_000)
    # nor 是否有效 and 沟通时长: the values every row gets are said, as they feed the figures
    page.wait_for_selector("text=每一行都按默认值记录:是否有效 = 是;时长(分钟) = 0。")
    settle(page)
    # the missing channel given on the page, no mapping file written: one value for every row
    box = page.get_by_label("每行统一填的跟进方式", exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name="电话", exact=True).click()
    settle(page)
    page.wait_for_selector("text=文件中没有这些必填项的列", state="detached", timeout=30_000)
    page.wait_for_selector("text=(未提供,统一填:电话)", state="attached")  # a cell of the mapping table
    with page.expect_download(timeout=30_000) as download:  # for next month's file of this layout
        page.get_by_role("button", name="下载这份对应关系(映射文件)").click()
    assert "channel: phone" in Path(download.value.path()).read_text(encoding="utf-8")
    settle(page)
    # no header known at all: the boxes to say which is which, and no error under them
    strange = write_csv(tmp_path / "陌生表头.csv", ["日子", "公司", "内容摘要"], [["2026-03-08 10:00", "陌生公司", "x"]])
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(strange))
    # said once, and its rows not checked (a leads file's 9,240 rows each refused for five fields:
    # an 8 MB rejects file); the ready mappings offered for download (the text named a server folder)
    page.wait_for_selector("text=文件的列没有一列能对应「跟进记录」的字段", timeout=30_000)
    settle(page)
    assert page.get_by_label("跟进时间 *", exact=True).count() == 1
    assert page.get_by_text("无法导入该文件").count() == 0 and page.get_by_text("校验结果").count() == 0
    page.get_by_text("CRM 导出的现成映射文件").click()
    page.get_by_role("button", name="zoho.calls.yaml").wait_for()

    # the same file again: said that it was imported, before the duplicates explain it
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(path))
    page.wait_for_selector("text=这个文件(内容相同)已于", timeout=60_000)
    page.wait_for_selector("text=当时导入 4 行")
    settle(page)

    # then a broken mapping file (same login): explained in words, and the data uploader stays
    bad = tmp_path / "坏映射.yaml"
    bad.write_text("kind: follow_ups\ncolumns: [oops\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(bad))
    page.wait_for_selector("text=映射文件有误", timeout=30_000)
    settle(page)
    error = page.locator('[data-testid="stAlert"]').filter(has_text="映射文件有误").inner_text()
    assert "坏映射.yaml:第 3 行第 1 列附近格式有误" in error and "while parsing" not in error, error
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 2



def test_a_mapping_uploaded_after_its_file_applies_its_columns(page, app_url, tmp_path):
    """The page says to upload a mapping file when a file lacks columns; uploaded then, its column
    choices were ignored (the boxes drawn before it kept 文件中没有) and every row was refused."""
    path = write_csv(tmp_path / "销售数据.csv", ["客户名称", "销售日期", "商品名称"],
                     [["映射后到公司甲", "2026-03-02", "打印机"], ["映射后到公司乙", "2026-03-03", "扫描仪"]])
    mapping = tmp_path / "销售数据.yaml"
    mapping.write_text("kind: follow_ups\ncolumns:\n  occurred_at: 销售日期\n  summary: 商品名称\n"
                       "defaults:\n  rep: rep1\n  channel: other\n", encoding="utf-8")
    login(page, app_url, "manager1", path="import")
    page.wait_for_selector("text=下载导入模板")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(path))
    page.wait_for_selector("text=文件中没有这些必填项的列", timeout=60_000)
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(mapping))
    page.wait_for_selector("text=文件中没有这些必填项的列", state="detached", timeout=60_000)
    page.get_by_role("button", name="确认导入").wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_text("被拒绝的行").count() == 0
    shot(page, "import_mapping_after_file")
