"""The columns of the entry sheet: what the template writes and the import reads."""

# Column header → key; the first name of each list is what the template writes.
COLUMNS = {
    "jaaf_id": ["JAAF ID", "選手ID", "JAAFID"],
    "last_name": ["姓"],
    "first_name": ["名"],
    "race_code": ["種目コード"],
    "declared_time": ["申告タイム"],
    "personal_best": ["自己ベスト"],
    "note": ["備考"],
}
