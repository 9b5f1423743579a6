"""The API's one ApiSpec instance: every view module registers its operations on it."""

from nitsys.api import bp
from nitsys.api.framework import ApiSpec

spec = ApiSpec(
    bp,
    title="NIT-SYS API",
    version="1.0.0",
    description=(
        "日本体育大学長距離競技会のエントリー・運営システムの JSON API。"
        "公開データ（大会・スタートリスト・結果）はトークン不要、チームと計測はアクセストークンで使う。"
        "エラーは RFC 9457 の problem details（application/problem+json）で返す。"
    ),
)
spec.tag("public", "公開データ（トークン不要、ETag/Last-Modified で 304、CORS 可）")
spec.tag("team", "チーム（read / write スコープ）: 選手マスタ・申込・エントリー")
spec.tag("timing", "計測（timing スコープ）: 組ごとのスタートリストと .lif 結果の取り込み")
