import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig, ConfigValues, createValidationPipe } from '@app/common';
import { AppModule } from './app.module';
import { RedisIoAdapter } from './gateway/redis-io.adapter';

function setupDocs(app: NestExpressApplication): void {
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('RPA OpenAPI Service')
        .setDescription(
          'Register robots (workflows), run them with API keys, follow their executions. ' +
            'Every JSON answer is an envelope {code, msg, data}; errors add error and request_id.',
        )
        .setVersion('1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key or admin token' })
        .build(),
    );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}

/** Builds the application for any role; main.ts and the e2e tests share it. */
export async function createApp(values: ConfigValues): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(values), {
    bufferLogs: true,
  });
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  if (config.servesApi) {
    app.useWebSocketAdapter(new RedisIoAdapter(app));
    setupDocs(app);
  }
  return app;
}
