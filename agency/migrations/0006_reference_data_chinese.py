"""The seeded reference texts in Chinese, as clerks read them: holiday names (the chinese-calendar
package gives them in English), the national rates' note, the calendar years' source. Rows an
administrator entered are left as typed."""

from django.db import migrations

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def to_chinese(apps, schema_editor):
    CalendarDay = apps.get_model("agency", "CalendarDay")
    for english, chinese in HOLIDAY_NAMES_ZH.items():
        CalendarDay.objects.filter(name=english).update(name=chinese)
    apps.get_model("agency", "ContributionRate").objects.filter(note="national default (domain.md)").update(
        note="全国默认费率")
    apps.get_model("agency", "CalendarYear").objects.filter(source="chinese-calendar package").update(
        source="chinese-calendar 节假日数据")


class Migration(migrations.Migration):
    dependencies = [("agency", "0005_labels_translated")]

    operations = [migrations.RunPython(to_chinese, migrations.RunPython.noop)]
