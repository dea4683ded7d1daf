"""People: enrolment, participant care, sign-in, staff accounts, and the staff's scope."""
