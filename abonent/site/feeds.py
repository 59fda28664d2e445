"""The news as an Atom feed (standard 2.2.5: news, changes to prices, rules and services)."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from abonent.organisation.models import Organisation
from abonent.site.models import NewsItem


class NewsFeed(Feed):
    feed_type = Atom1Feed
    language = "ru"

    def title(self) -> str:
        organisation = Organisation.current()
        return f"{organisation.short_name if organisation else 'Абонент'}: новости"

    def subtitle(self) -> str:
        return "Новости компании, изменения цен, правил и услуг"

    def link(self) -> str:
        return reverse("site:news")

    def items(self) -> list[NewsItem]:
        return list(NewsItem.objects.published()[:20])

    def item_title(self, item: NewsItem) -> str:
        return item.title

    def item_description(self, item: NewsItem) -> str:
        return item.summary or item.body

    def item_pubdate(self, item: NewsItem) -> datetime.datetime:
        return item.published_at

    def item_updateddate(self, item: NewsItem) -> datetime.datetime:
        return max(item.updated_at, item.published_at)

    def item_categories(self, item: NewsItem) -> list[str]:
        return [item.get_kind_display()]
