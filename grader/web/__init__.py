"""Server-rendered pages (Jinja templates, plain JavaScript, assets served by the app)."""

from flask import Blueprint

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)

from grader.diagnoses import in_words  # noqa: E402

bp.add_app_template_filter(in_words, "diagnosis")

from grader.web import auth, instructor, student  # noqa: E402,F401  (routes register)
