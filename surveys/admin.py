"""Admin for surveys, questions and choices (inlines).

A survey with responses shows its questions read-only here, as on the builder page:
changing them would break the answers given (copy the survey as a new round instead).
"""

from django.contrib import admin

from surveys.models import Choice, Question, Survey
from surveys.services import question_next_key


def _answered(obj) -> bool:
    survey = obj.survey if isinstance(obj, Question) else obj
    return survey is not None and survey.pk is not None and survey.responses.exists()


class LockedWhenAnsweredMixin:
    def has_add_permission(self, request, obj=None):
        return not (obj is not None and _answered(obj)) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and _answered(obj)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and _answered(obj)) and super().has_delete_permission(
            request, obj
        )


class QuestionInline(LockedWhenAnsweredMixin, admin.StackedInline):
    model = Question
    extra = 0
    fields = (
        ("order", "key", "kind", "is_required"),
        "text",
        "help_text",
        ("max_choices", "min_value", "max_value"),
        ("low_label", "high_label", "measures_satisfaction"),
        "show_if_choice",
    )
    raw_id_fields = ("show_if_choice",)
    readonly_fields = ("key",)
    show_change_link = True


class ChoiceInline(LockedWhenAnsweredMixin, admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "round_number", "audience", "region", "opens_at", "closes_at")
    list_filter = ("is_template", "audience")
    search_fields = ("title",)
    autocomplete_fields = ("region",)
    readonly_fields = ("series", "token", "created_by", "created_at")
    inlines = [QuestionInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """New questions get the next free key (keys are not typed: they tie rounds)."""
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            if isinstance(instance, Question) and not instance.key:
                instance.key = question_next_key(instance.survey)
            instance.save()
        formset.save_m2m()


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "survey", "order", "kind", "is_required")
    list_filter = ("kind",)
    search_fields = ("text", "survey__title")
    raw_id_fields = ("survey", "show_if_choice")
    inlines = [ChoiceInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and _answered(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _answered(obj):
            return False
        return super().has_delete_permission(request, obj)
