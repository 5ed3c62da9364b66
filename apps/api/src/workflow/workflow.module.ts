import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JsonSchemaValidator } from '@app/common';
import { WorkflowEntity } from './entities/workflow.entity';
import { WorkflowLegacyController } from './workflow-legacy.controller';
import { WorkflowController } from './workflow.controller';
import { WorkflowRepository } from './workflow.repository';
import { WorkflowService } from './workflow.service';

/** Workflows as a service; every module that needs them imports this one instance. */
@Module({
  imports: [TypeOrmModule.forFeature([WorkflowEntity])],
  providers: [WorkflowRepository, WorkflowService, JsonSchemaValidator],
  exports: [WorkflowService, JsonSchemaValidator],
})
export class WorkflowModule {}

/** The workflow routes, in processes that serve the API. */
@Module({
  imports: [WorkflowModule],
  controllers: [WorkflowLegacyController, WorkflowController],
})
export class WorkflowHttpModule {}
