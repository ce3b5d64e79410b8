"""Who acts: the type every service, selector and permission funnel of the apps from members
up takes as ``actor`` or ``user``.

An account (members.User) or Django's anonymous user, as ``request.user`` is; funnels and
services check ``is_authenticated`` themselves. Below members (core, grids) the account is
known only through Django's auth: core.roles.AnyUser.
"""

from django.contrib.auth.models import AnonymousUser

from members.models import User

Actor = User | AnonymousUser
