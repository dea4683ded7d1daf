"""The ceiling: a bare Flask app (a 14-question Chinese page, a one-row insert) to compare with.

Served by the same gunicorn settings as the diary, so a ratio to it measures the diary's own cost.
Usage: CEILING_DATABASE_URL=sqlite:///x.db gunicorn -w 2 'bench.ceiling:create_app()'
"""

import os
import sqlite3
import uuid

from flask import Flask, render_template, request
from jinja2 import DictLoader
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event
from sqlalchemy import func as sql_func

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>今天的症状 · 研究日记</title>
<link rel="stylesheet" href="/static/diary.css"></head>
<body><main><h1>今天的症状</h1>
<form method="post"><input type="hidden" name="csrf_token" value="{{ token }}">
{% for q in questions %}<fieldset class="item"><legend>{{ q }}</legend>
<div class="options options-4">{% for code, label in choices %}
<label class="tile"><input type="radio" name="S{{ loop.index }}" value="{{ code }}"
{% if code == picked %}checked{% endif %}><span>{{ label }}</span></label>{% endfor %}</div>
</fieldset>{% endfor %}
<button type="submit" name="action" value="next">下一步</button></form></main>
<footer><p>本日记并非全天候有人查看。紧急情况请拨打 120。</p></footer></body></html>"""
QUESTIONS = ["受影响的手臂或腿无力", "麻木或感觉异常", "说话、找词或理解困难", "视力问题",
             "头晕或不稳", "头痛", "疼痛", "受影响肢体僵硬或痉挛", "疲倦", "情绪低落或没有兴趣",
             "昨晚睡眠", "记忆力或注意力问题、意识混乱", "吞咽困难", "便秘"]
CHOICES = [("0", "没有"), ("1", "轻度"), ("2", "中度"), ("3", "重度")]

metadata = MetaData()
rows = Table("ceiling_row", metadata, Column("id", Integer, primary_key=True),
             Column("token", String(64), unique=True), Column("value", String(200)),
             Column("at", DateTime(timezone=True), server_default=sql_func.now()))


def _engine(url: str):
    engine = create_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):  # the diary's own SQLite settings
            if isinstance(connection, sqlite3.Connection):
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA busy_timeout=10000")
                connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def create_app() -> Flask:
    """The two ceiling pages over one database."""
    app = Flask(__name__, static_folder=None)
    app.jinja_loader = DictLoader({"page.html": PAGE})  # loaded and compiled once, as files are
    engine = _engine(os.environ.get("CEILING_DATABASE_URL", "sqlite:///instance/ceiling.db"))
    metadata.create_all(engine)

    @app.get("/page")
    def page():
        return render_template("page.html", questions=QUESTIONS, choices=CHOICES, picked="1",
                               token=uuid.uuid4().hex)

    @app.post("/insert")
    def insert():
        with engine.begin() as connection:
            connection.execute(rows.insert().values(token=uuid.uuid4().hex,
                                                    value=request.form.get("S1", "")))
        return "", 303, {"Location": "/page"}

    return app

