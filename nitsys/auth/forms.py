"""Account forms. Field rules that are business rules live in services.accounts."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from nitsys.domain import prefectures
from nitsys.models import OrganizationType

REQUIRED = "入力してください。"
PHONE = Regexp(r"^[0-9０-９\-ー－]{10,15}$", message="電話番号は数字とハイフンで入力してください。")
POSTAL = Regexp(r"^(\d{3}-?\d{4})?$", message="郵便番号は 123-4567 の形で入力してください。")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label="メールアドレス"):
    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Email("メールアドレスの形式が正しくありません。"),
            Length(max=254),
        ],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField("パスワード", validators=[DataRequired(REQUIRED)])


class PersonFields(FlaskForm):
    full_name = StringField("氏名", validators=[DataRequired(REQUIRED), Length(max=100)])
    full_name_kana = StringField("フリガナ", validators=[DataRequired(REQUIRED), Length(max=100)])
    phone = StringField("電話番号", validators=[DataRequired(REQUIRED), PHONE])


class NewPasswordFields(FlaskForm):
    password = PasswordField(
        "パスワード",
        validators=[DataRequired(REQUIRED), Length(min=8, message="8文字以上にしてください。")],
    )
    password_confirm = PasswordField(
        "パスワード（確認）",
        validators=[DataRequired(REQUIRED), EqualTo("password", "パスワードが一致しません。")],
    )


class RegisterForm(PersonFields, NewPasswordFields):
    kind = RadioField(
        "登録の種類",
        choices=[("team", "団体（大学・高校・実業団・クラブ）"), ("individual", "個人参加")],
        default="team",
    )
    email = _email_field("ログインID（メールアドレス）")
    affiliation_name = StringField(
        "所属（個人の場合・スタートリストに表示）", validators=[Optional(), Length(max=50)]
    )
    org_name = StringField("団体名", validators=[Length(max=100)])
    org_name_kana = StringField("団体名フリガナ", validators=[Length(max=100)])
    org_short_name = StringField("略称（スタートリストに表示）", validators=[Length(max=20)])
    org_type = SelectField(
        "団体分類", choices=OrganizationType.choices(), default=OrganizationType.UNIVERSITY.value
    )
    representative_name = StringField("代表者氏名", validators=[Length(max=100)])
    representative_email = EmailField(
        "代表者メールアドレス",
        validators=[Optional(), Email("メールアドレスの形式が正しくありません。")],
    )
    representative_phone = StringField("代表者電話番号", validators=[Optional(), PHONE])
    postal_code = StringField("郵便番号", validators=[Optional(), POSTAL])
    prefecture = SelectField(
        "都道府県", choices=[("", "選択してください"), *prefectures.choices()], default=""
    )
    address = StringField("住所", validators=[Optional(), Length(max=200)])
    jaaf_code = StringField("陸連登録コード", validators=[Optional(), Length(max=20)])

    TEAM_REQUIRED = (
        "org_name",
        "org_name_kana",
        "representative_name",
        "representative_email",
        "representative_phone",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == "team":
            for name in self.TEAM_REQUIRED:
                field = self[name]
                if not (field.data or "").strip():
                    field.errors = [*field.errors, "団体登録では必須です。"]
                    ok = False
        return ok


class AcceptInvitationForm(PersonFields, NewPasswordFields):
    pass


class PasswordResetRequestForm(FlaskForm):
    email = _email_field()


class PasswordResetForm(NewPasswordFields):
    pass


class ProfileForm(PersonFields):
    email = _email_field()


class ChangePasswordForm(NewPasswordFields):
    current_password = PasswordField("現在のパスワード", validators=[DataRequired(REQUIRED)])


class InviteForm(FlaskForm):
    email = _email_field("招待する方のメールアドレス")
