import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JsonSchemaValidator } from '@app/common';
import { WorkflowEntity } from './entities/workflow.entity';
import { WorkflowLegacyController } from './workflow-legacy.controller';
import { WorkflowController } from './workflow.controller';
import { WorkflowService } from './workflow.service';

@Module({
  imports: [TypeOrmModule.forFeature([WorkflowEntity])],
  providers: [WorkflowService, JsonSchemaValidator],
  exports: [WorkflowService],
})
export class WorkflowModule {
  static register(options: { http: boolean }): DynamicModule {
    return {
      module: WorkflowModule,
      // Order matters: the legacy `/workflows/get` routes must win over `/workflows/:project_id`.
      controllers: options.http ? [WorkflowLegacyController, WorkflowController] : [],
    };
  }
}
