from django.urls import path

from members import (
    account_views,
    patrol_views,
    redivision_views,
    register_views,
    review_views,
    views,
    workspace_views,
)

app_name = "members"
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/export.csv", views.resident_export, name="resident_export"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("access-log/", views.access_log, name="access_log"),
    path("grid-members/<int:pk>/", review_views.member_review, name="member_review"),
    path(
        "splits/propose/<int:grid_pk>/",
        redivision_views.split_propose_view,
        name="split_propose",
    ),
    path("splits/<int:pk>/", redivision_views.split_detail, name="split"),
    path("splits/<int:pk>/accept/", redivision_views.split_accept_view, name="split_accept"),
    path("splits/<int:pk>/discard/", redivision_views.split_discard_view, name="split_discard"),
    path("accounts/unlock/", account_views.account_unlock, name="account_unlock"),
    path("workspace/", workspace_views.workspace, name="workspace"),
    path("notifications/", workspace_views.notification_list, name="notifications"),
    path("notifications/read/", workspace_views.notifications_read, name="notifications_read"),
    path(
        "notifications/<int:pk>/open/",
        workspace_views.notification_open,
        name="notification_open",
    ),
    path("households/", workspace_views.household_list, name="households"),
    path("households/<int:pk>/", workspace_views.household_detail, name="household"),
    path("households/add/", register_views.household_add, name="household_add"),
    path("households/<int:pk>/edit/", register_views.household_edit, name="household_edit"),
    path("households/<int:pk>/visit/", register_views.household_visit, name="household_visit"),
    path("households/<int:pk>/residents/add/", register_views.resident_add, name="resident_add"),
    path(
        "households/<int:pk>/residents/<int:resident_pk>/edit/",
        register_views.resident_edit,
        name="resident_edit",
    ),
    path("households/<int:pk>/phone/", workspace_views.household_phone, name="household_phone"),
    path("patrol/", patrol_views.patrol_page, name="patrol"),
    path("patrol/start/", patrol_views.patrol_start, name="patrol_start"),
    path("patrol/<uuid:client_key>/points/", patrol_views.patrol_points, name="patrol_points"),
    path("patrol/<uuid:client_key>/notes/", patrol_views.patrol_note, name="patrol_note"),
    path("patrol/<uuid:client_key>/stop/", patrol_views.patrol_stop, name="patrol_stop"),
    path("patrol/<uuid:client_key>/", patrol_views.patrol_summary, name="patrol_summary"),
]
