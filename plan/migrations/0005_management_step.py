# ReviewStep was not a step of a review cycle but of the plan's progress management (進行管理): renamed.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plan', '0004_view_draft_plan_permission'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='reviewstep',
            name='reviewstep_unique_order_per_plan',
        ),
        migrations.RenameModel(
            old_name='ReviewStep',
            new_name='ManagementStep',
        ),
        migrations.AlterField(
            model_name='managementstep',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='management_steps', to='plan.plan', verbose_name='計画'),
        ),
        migrations.AddConstraint(
            model_name='managementstep',
            constraint=models.UniqueConstraint(fields=('plan', 'order'), name='managementstep_unique_order_per_plan'),
        ),
    ]
