from django.core.files.base import ContentFile

from abonent.appeals.files import CheckedFile
from abonent.appeals.models import Appeal, AppealMessage, Attachment


def store_file(appeal: Appeal, file: CheckedFile, *, role: str, uploaded_by=None,
               message: AppealMessage | None = None) -> Attachment:
    """Stores a checked file under a server-side name; the sender's name is kept for display."""
    attachment = Attachment(appeal=appeal, message=message, role=role, original_name=file.name,
                            content_type=file.content_type, size=len(file.content), sha256=file.sha256,
                            uploaded_by=uploaded_by)
    attachment.file.save(file.name, ContentFile(file.content), save=False)
    attachment.save()
    return attachment
