"""Investigator and admin pages: the audit review, staff accounts and study sites."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diary import clock
from diary.extensions import db
from diary.models import Site, StaffUser
from diary.rules import phones
from diary.services.people import sign_in, staff_accounts
from diary.services.reporting import audit_review
from diary.staff import bp
from diary.staff.common import int_arg
from diary.staff.forms import options, parse_date
from diary.staff.forms_admin import AuditFilterForm, SiteForm, StaffCreateForm, StaffEditForm
from diary.web.forms import ActionForm
from diary.web.security import staff_required


@bp.get("/audit")
@staff_required("investigator", "admin")
def audit_page(staff):
    """The audit trail filtered by participant, actor and period; odd entries highlighted."""
    form = AuditFilterForm(request.args)
    filters = audit_review.Filters(timezone=current_app.config["DIARY_DEFAULT_TIMEZONE"])
    if form.validate():
        filters.study_code = form.participant.data or ""
        filters.actor = form.actor.data or ""
        filters.since, filters.until = parse_date(form.since.data), parse_date(form.until.data)
    found = audit_review.review(db.session, staff, filters,
                                audit_review.Thresholds.from_config(current_app.config),
                                page=int_arg("page", 1))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("staff/audit.html", form=form, rows=found.rows, total=found.total,
                           page=found.page, pages=found.pages, args=args)


def _site_choices(form) -> list[Site]:
    sites = list(db.session.scalars(select(Site).order_by(Site.code)))
    form.sites.choices = options((s.id, s.code) for s in sites)
    return sites


@bp.route("/admin/staff", methods=["GET", "POST"])
@staff_required("admin")
def staff_list(staff):
    """Every staff account, and a form to add one."""
    form = StaffCreateForm()
    sites = _site_choices(form)
    if form.validate_on_submit():
        try:
            staff_accounts.create(db.session, form.email.data, form.display_name.data.strip(),
                                  form.role.data, form.password.data, clock.now(),
                                  [s for s in sites if s.id in form.sites.data], by=staff)
        except staff_accounts.PasswordRejected as error:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(error.message)]
        except ValueError:
            db.session.rollback()
            form.email.errors = [*form.email.errors,
                                 _("This e-mail address already has an account.")]
        else:
            db.session.commit()
            flash(_("The staff account is created."), "success")
            return redirect(url_for("staff.staff_list"))
    members = db.session.scalars(select(StaffUser).options(selectinload(StaffUser.sites))
                                 .order_by(StaffUser.email)).all()
    return render_template("staff/admin_staff.html", form=form, members=members)


@bp.route("/admin/staff/<int:member_id>", methods=["GET", "POST"])
@staff_required("admin")
def staff_edit(staff, member_id):
    """Change a staff member's role, sites, access or password."""
    member = db.session.get(StaffUser, member_id)
    if member is None:
        abort(404)
    form = StaffEditForm(data={"role": member.role.value, "active": member.active,
                               "sites": [s.id for s in member.sites]})
    sites = _site_choices(form)
    if form.validate_on_submit():
        if member.id == staff.id and (form.role.data != "admin" or not form.active.data):
            flash(_("You cannot remove your own administrator access."), "error")
        else:
            try:
                staff_accounts.update(db.session, member, form.role.data,
                                      [s for s in sites if s.id in form.sites.data],
                                      form.active.data, form.password.data or None, staff,
                                      clock.now())
            except staff_accounts.PasswordRejected as error:
                db.session.rollback()
                form.password.errors = [*form.password.errors, str(error.message)]
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("staff.staff_list"))
    held = sign_in.is_locked(db.session, member.email, clock.now())
    return render_template("staff/admin_staff_edit.html", form=form, member=member, held=held,
                           action=ActionForm())


@bp.post("/admin/staff/<int:member_id>/unlock")
@staff_required("admin")
def staff_unlock(staff, member_id):
    """Let a staff member try their password again at once after too many wrong ones."""
    member = db.session.get(StaffUser, member_id) or abort(404)
    if ActionForm().validate_on_submit():
        staff_accounts.unlock(db.session, member, staff, clock.now())
        db.session.commit()
        flash(_("Sign-in is unlocked."), "success")
    return redirect(url_for("staff.staff_edit", member_id=member.id))


@bp.route("/admin/sites", methods=["GET", "POST"])
@staff_required("admin")
def sites(staff):
    """The study sites, and a form to add one."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            staff_accounts.create_site(
                db.session, form.code.data, form.name_en.data, form.name_zh.data,
                form.timezone.data, phones.normalize(form.on_call_phone.data or ""), staff,
                clock.now())
        except ValueError:
            db.session.rollback()
            form.code.errors = [*form.code.errors, _("This site code is already in use.")]
        else:
            db.session.commit()
            flash(_("The site is created."), "success")
            return redirect(url_for("staff.sites"))
    all_sites = db.session.scalars(select(Site).order_by(Site.code)).all()
    return render_template("staff/admin_sites.html", form=form, sites=all_sites)


@bp.route("/admin/sites/<int:site_id>", methods=["GET", "POST"])
@staff_required("admin")
def site_edit(staff, site_id):
    """Change a site's names, time zone and the on-call phone that receives safety alerts."""
    site = db.session.get(Site, site_id) or abort(404)
    form = SiteForm(obj=site)
    form.code.data = site.code  # the code prefixes study codes: it never changes
    if form.validate_on_submit():
        staff_accounts.update_site(db.session, site, form.name_en.data, form.name_zh.data,
                                   form.timezone.data,
                                   phones.normalize(form.on_call_phone.data or ""), staff,
                                   clock.now())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("staff.sites"))
    return render_template("staff/admin_site_edit.html", form=form, site=site)
