"""Surveys, their questions and responses on the wire. Responses never name who answered:
anonymous surveys store no account, and named ones are read on the results pages."""

from rest_framework import serializers

from surveys.models import Answer, Choice, Question, Response, Survey


class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "order", "text"]


class QuestionSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "order",
            "key",
            "text",
            "help_text",
            "kind",
            "is_required",
            "max_choices",
            "min_value",
            "max_value",
            "low_label",
            "high_label",
            "show_if_choice",
            "choices",
        ]


class SurveySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(
        source="region.code", read_only=True, allow_null=True, default=None
    )
    state = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "description",
            "audience",
            "region",
            "region_code",
            "opens_at",
            "closes_at",
            "is_anonymous",
            "is_template",
            "round_number",
            "state",
        ]

    def get_state(self, survey: Survey) -> str:
        return survey.state(self.context.get("now"))


class SurveyDetailSerializer(SurveySerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "questions"]


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["question", "choice", "number", "text"]


class ResponseSerializer(serializers.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = ["id", "role", "grid", "village", "submitted_at", "answers"]


class ResponseSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=5000, allow_blank=True), max_length=50
        ),
        help_text=(
            "Question id → values, as the answer form posts them: choice ids for choice "
            'questions, a number, or text. Example: {"12": ["34"], "13": ["5"]}.'
        ),
    )

    def validate_answers(self, value: dict) -> dict[int, list[str]]:
        try:
            return {int(key): values for key, values in value.items()}
        except ValueError as error:
            raise serializers.ValidationError("Question ids are numbers.") from error
