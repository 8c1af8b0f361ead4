import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI 3 document of the api (every controller of the application). */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('CDP admin and query API')
    .setDescription(
      'Segments, preview, members and history, the segment grid, profile 360, performance, GDPR, campaigns (contract sections 6 and 8).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'CDP_ADMIN_TOKEN' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document: UI at /docs, JSON at /docs-json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
