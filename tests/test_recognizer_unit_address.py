"""Employer-unit and address recognisers: what is masked and the public names that stay visible."""

from __future__ import annotations

import pytest

from masking.recognizers import address, unit


@pytest.mark.parametrize("text, found", [
    ("工作单位：包头供电局", ["包头供电局"]),
    ("工作单位：内蒙古工业大学", ["内蒙古工业大学"]),
    ("呼和浩特供电分公司", ["呼和浩特供电分公司"]),
    ("毕业于内蒙古工业大学电气工程及其自动化专业", []),
    ("发证机关：内蒙古自治区人力资源和社会保障厅", []),
    ("关于变电站运行维护的研究", []),
    ("继续教育中心", []),
    # Held-out OCR: the name runs on through its branch, or is garbled right after its label.
    ("内蒙古电力（集团）有限责任公司包头供", ["内蒙古电力（集团）有限责任公司包头供"]),
    ("内蒙古电力（集团）有限责任公司呼和浩特供电分公司", ["内蒙古电力（集团）有限责任公司呼和浩特供电分公司"]),
    ("内蒙古电力（集团）有限责任公司文件", ["内蒙古电力（集团）有限责任公司"]),
    ("任职单位：北方联合电力有限责任公司赤峰热电厂（盖章）", ["北方联合电力有限责任公司赤峰热电厂"]),
    ("单位\n内蒙古电力集有限责任公包", ["内蒙古电力集有限责任公包"]),
    ("单位意见\n同意推荐该同志申报", []),
    ("单位\n人力资源和社会保障局", []),
])
def test_unit(text, found):
    assert [e.text for e in unit.find(text)] == found


@pytest.mark.parametrize("text, found", [
    ("家庭住址：包头市昆都仑区钢铁大街", ["包头市昆都仑区钢铁大街"]),
    ("住在鄂尔多斯市东胜区天骄路15号2单元301室", ["鄂尔多斯市东胜区天骄路15号2单元301室"]),
    ("赛罕区大学东街28号", ["赛罕区大学东街28号"]),
    ("幸福小区3号楼2单元501室", ["幸福小区3号楼2单元501室"]),
    ("地址", []),
    ("道路照明工程", []),
])
def test_address(text, found):
    assert [e.text for e in address.find(text)] == found
