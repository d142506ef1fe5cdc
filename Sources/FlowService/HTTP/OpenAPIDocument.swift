/// The API as an OpenAPI 3.0 document, served at `/openapi.json`. Written by hand: keep it in
/// step with the routes (a test checks that every registered route is in it, and only those).
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "flowkit training service",
    "version": "1.0.0",
    "description": "Train normalizing flows as queued jobs. Every error is {\"error\": {\"code\", \"message\"}} with a 4xx/5xx status. With a token configured, every route but /healthz, /readyz, /metrics and /openapi.json needs Authorization: Bearer <token>."
  },
  "security": [
    {
      "bearer": []
    }
  ],
  "paths": {
    "/healthz": {
      "get": {
        "summary": "Liveness",
        "operationId": "healthz",
        "responses": {
          "200": {
            "description": "the server runs",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "status": {
                      "type": "string",
                      "enum": [
                        "ok"
                      ]
                    }
                  }
                }
              }
            }
          }
        },
        "tags": [
          "health"
        ],
        "security": []
      }
    },
    "/readyz": {
      "get": {
        "summary": "Readiness: the store answers and the devices were probed",
        "operationId": "readyz",
        "responses": {
          "200": {
            "description": "ready",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "status": {
                      "type": "string"
                    },
                    "store": {
                      "type": "string"
                    },
                    "devices": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "name": {
                            "type": "string"
                          },
                          "kind": {
                            "type": "string"
                          },
                          "description": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "503": {
            "description": "the store does not answer",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "health"
        ],
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "operationId": "metrics",
        "responses": {
          "200": {
            "description": "Prometheus text format 0.0.4",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        },
        "tags": [
          "health"
        ],
        "security": []
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "openapi",
        "responses": {
          "200": {
            "description": "OpenAPI 3.0",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        },
        "tags": [
          "health"
        ],
        "security": []
      }
    },
    "/v1/datasets": {
      "post": {
        "summary": "Upload a data file (the raw body), validated with the training loaders and stored under its SHA-256",
        "operationId": "uploadDataset",
        "responses": {
          "201": {
            "description": "stored",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Dataset"
                }
              }
            },
            "links": {
              "GetDataset": {
                "operationId": "getDataset",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "DeleteDataset": {
                "operationId": "deleteDataset",
                "parameters": {
                  "id": "$response.body#/id"
                }
              }
            }
          },
          "200": {
            "description": "the same bytes were already stored",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Dataset"
                }
              }
            },
            "links": {
              "GetDataset": {
                "operationId": "getDataset",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "DeleteDataset": {
                "operationId": "deleteDataset",
                "parameters": {
                  "id": "$response.body#/id"
                }
              }
            }
          },
          "400": {
            "description": "bad format or name, or a file the loader rejects (the message names the row or element)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "larger than --max-upload-bytes",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "datasets"
        ],
        "parameters": [
          {
            "name": "format",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "csv",
                "npy",
                "idx"
              ]
            },
            "example": "csv"
          },
          {
            "name": "name",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 200
            },
            "example": "points.csv"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary"
              },
              "example": "x,y\n-1.048,0.177\n-0.520,0.416\n0.503,-1.738\n-1.947,1.350\n-0.963,-1.063\n1.983,-0.119\n1.346,-0.095\n0.556,-1.398\n0.539,1.472\n0.093,0.965\n0.686,-1.744\n1.033,0.364\n-0.795,-1.876\n1.462,-0.109\n0.875,1.515\n0.857,1.684\n-0.420,1.204\n-0.222,1.742\n1.515,-1.610\n-1.456,-1.132\n1.862,-0.255\n0.507,-0.796\n0.029,-0.457\n-0.596,0.340\n0.337,1.617\n0.728,1.716\n1.426,1.964\n0.685,-1.348\n1.443,1.859\n1.619,0.276\n0.855,-1.156\n1.326,0.294\n-0.860,-1.746\n1.416,1.959\n-1.646,1.202\n-0.358,-1.397\n-0.824,1.075\n1.491,-1.823\n0.458,-1.820\n0.874,-0.676\n"
            }
          }
        }
      },
      "get": {
        "summary": "List data sets, newest first",
        "operationId": "listDatasets",
        "responses": {
          "200": {
            "description": "the data sets",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "datasets": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Dataset"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "datasets"
        ]
      }
    },
    "/v1/datasets/{id}": {
      "get": {
        "summary": "One data set",
        "operationId": "getDataset",
        "responses": {
          "200": {
            "description": "the data set",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Dataset"
                }
              }
            }
          },
          "400": {
            "description": "malformed id",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such data set",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "datasets"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      },
      "delete": {
        "summary": "Delete a data set",
        "operationId": "deleteDataset",
        "responses": {
          "200": {
            "description": "deleted",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "deleted": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such data set",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "a job needs it (the message names the jobs): a queued, running, paused or failed job, or a succeeded or cancelled job whose run holds a model (a best model or a checkpoint), which is rebuilt from its training data",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "datasets"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs": {
      "post": {
        "summary": "Submit a training job",
        "operationId": "createJob",
        "responses": {
          "201": {
            "description": "queued",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            },
            "links": {
              "GetJob": {
                "operationId": "getJob",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobEvents": {
                "operationId": "jobEvents",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "PauseJob": {
                "operationId": "pauseJob",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "ResumeJob": {
                "operationId": "resumeJob",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "CancelJob": {
                "operationId": "cancelJob",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobCheckpoints": {
                "operationId": "jobCheckpoints",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobArtifacts": {
                "operationId": "jobArtifacts",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobArtifact": {
                "operationId": "jobArtifact",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobLogProb": {
                "operationId": "jobLogProb",
                "parameters": {
                  "id": "$response.body#/id"
                }
              },
              "JobSamples": {
                "operationId": "jobSamples",
                "parameters": {
                  "id": "$response.body#/id"
                }
              }
            }
          },
          "400": {
            "description": "bad body, config (the message names the key) or data path",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "body over 1 MiB",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/JobRequest"
              }
            }
          }
        }
      },
      "get": {
        "summary": "List jobs, newest first",
        "operationId": "listJobs",
        "responses": {
          "200": {
            "description": "one page",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "jobs": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Job"
                      }
                    },
                    "next": {
                      "type": "string",
                      "nullable": true,
                      "description": "pass as ?after= for the next page; null on the last"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "bad status, limit or cursor",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "status",
            "in": "query",
            "schema": {
              "$ref": "#/components/schemas/Status"
            }
          },
          {
            "name": "after",
            "in": "query",
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            },
            "description": "the 'next' of the previous page"
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500,
              "default": 50
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}": {
      "get": {
        "summary": "One job",
        "operationId": "getJob",
        "responses": {
          "200": {
            "description": "the job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "400": {
            "description": "malformed id",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/cancel": {
      "post": {
        "summary": "Cancel a queued, running, paused or failed job (a running child gets SIGTERM and checkpoints)",
        "operationId": "cancelJob",
        "responses": {
          "200": {
            "description": "the job after the change",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "the job's state does not allow cancel",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/pause": {
      "post": {
        "summary": "Pause a queued or running job (SIGTERM: the trainer writes a checkpoint and frees the device)",
        "operationId": "pauseJob",
        "responses": {
          "200": {
            "description": "the job after the change",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "the job's state does not allow pause",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/resume": {
      "post": {
        "summary": "Queue a paused or failed job again; it continues from its newest checkpoint, exactly",
        "operationId": "resumeJob",
        "responses": {
          "200": {
            "description": "the job after the change",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Job"
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "the job's state does not allow resume",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/events": {
      "get": {
        "summary": "The job's state changes and metric lines",
        "operationId": "jobEvents",
        "responses": {
          "200": {
            "description": "a JSON page, or with Accept: text/event-stream a live Server-Sent-Events stream (id: seq; event: state or metric; data: the Event JSON; resumes after Last-Event-ID; ends once the job succeeded, failed or was cancelled)",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "events": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Event"
                      }
                    },
                    "next": {
                      "type": "integer"
                    }
                  }
                }
              },
              "text/event-stream": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "bad after or limit",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "jobs"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          },
          {
            "name": "after",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9007199254740991
            }
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 5000,
              "default": 500
            }
          },
          {
            "name": "Last-Event-ID",
            "in": "header",
            "schema": {
              "type": "integer",
              "minimum": 0
            }
          }
        ]
      }
    },
    "/": {
      "get": {
        "summary": "The dashboard (an HTML page using this API)",
        "operationId": "dashboard",
        "security": [],
        "tags": [
          "dashboard"
        ],
        "responses": {
          "200": {
            "description": "the page",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/v1/jobs/{id}/logprob": {
      "post": {
        "summary": "Log-densities (nats) of rows under the job's model (best, else newest checkpoint)",
        "operationId": "jobLogProb",
        "tags": [
          "models"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "x"
                ],
                "additionalProperties": false,
                "properties": {
                  "x": {
                    "type": "array",
                    "items": {
                      "type": "array",
                      "items": {
                        "type": "number"
                      }
                    }
                  }
                }
              }
            },
            "text/csv": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "one log-density per row; a non-finite one is null and listed in nonFinite",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "logProb": {
                      "type": "array",
                      "items": {
                        "type": "number",
                        "nullable": true
                      }
                    },
                    "model": {
                      "type": "string"
                    },
                    "nonFinite": {
                      "type": "object",
                      "additionalProperties": {
                        "type": "string",
                        "enum": [
                          "nan",
                          "inf",
                          "-inf"
                        ]
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "bad body or rows that do not fit the model",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "the job has no trained model yet",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/jobs/{id}/samples": {
      "post": {
        "summary": "Samples from the job's model; JSON rows, or CSV / NPY / PNG by Accept",
        "operationId": "jobSamples",
        "tags": [
          "models"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "n": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100000
                  },
                  "seed": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 9007199254740991
                  },
                  "temperature": {
                    "type": "number",
                    "exclusiveMinimum": true,
                    "minimum": 0,
                    "maximum": 100
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "the samples",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "shape": {
                      "type": "array",
                      "items": {
                        "type": "integer"
                      }
                    },
                    "model": {
                      "type": "string"
                    },
                    "samples": {
                      "type": "array",
                      "items": {
                        "type": "array",
                        "items": {
                          "type": "number",
                          "nullable": true
                        }
                      }
                    }
                  }
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              },
              "application/x-npy": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              },
              "image/png": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "400": {
            "description": "bad body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "406": {
            "description": "PNG asked of a model that is not an image model",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "the job has no trained model yet",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/jobs/{id}/checkpoints": {
      "get": {
        "summary": "The job's checkpoints, newest first",
        "operationId": "jobCheckpoints",
        "responses": {
          "200": {
            "description": "checkpoints",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "checkpoints": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "step": {
                            "type": "integer"
                          },
                          "file": {
                            "type": "string"
                          },
                          "bytes": {
                            "type": "integer",
                            "nullable": true
                          },
                          "modifiedAt": {
                            "type": "string",
                            "nullable": true
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "artifacts"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/artifacts": {
      "get": {
        "summary": "The artifacts the run has so far",
        "operationId": "jobArtifacts",
        "responses": {
          "200": {
            "description": "artifacts",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "artifacts": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "name": {
                            "type": "string"
                          },
                          "bytes": {
                            "type": "integer"
                          },
                          "contentType": {
                            "type": "string"
                          },
                          "url": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "no such job",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "artifacts"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          }
        ]
      }
    },
    "/v1/jobs/{id}/artifacts/{name}": {
      "get": {
        "summary": "Download one artifact",
        "operationId": "jobArtifact",
        "responses": {
          "200": {
            "description": "the file",
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              },
              "image/svg+xml": {
                "schema": {
                  "type": "string"
                }
              },
              "application/json": {
                "schema": {
                  "type": "object"
                }
              },
              "application/x-ndjson": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "a malformed id, parameter or body",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "missing or wrong bearer token (when the server has one)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "unknown artifact name, no such job, or not written yet",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "tags": [
          "artifacts"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9-]{1,64}$"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "best.safetensors",
                "config.json",
                "density.svg",
                "loss.svg",
                "metrics.jsonl",
                "samples.svg"
              ]
            }
          }
        ]
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string",
                "example": "invalid_config"
              },
              "message": {
                "type": "string"
              }
            }
          }
        }
      },
      "Status": {
        "type": "string",
        "enum": [
          "queued",
          "running",
          "paused",
          "succeeded",
          "failed",
          "cancelled"
        ]
      },
      "Dataset": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string",
            "description": "SHA-256 of the bytes"
          },
          "ref": {
            "type": "string",
            "example": "dataset:<id>",
            "description": "how a config names it (data.train, data.validation, data.test)"
          },
          "name": {
            "type": "string"
          },
          "format": {
            "type": "string",
            "enum": [
              "csv",
              "npy",
              "idx"
            ]
          },
          "bytes": {
            "type": "integer"
          },
          "shape": {
            "type": "array",
            "items": {
              "type": "integer"
            }
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "JobRequest": {
        "type": "object",
        "required": [
          "config"
        ],
        "additionalProperties": false,
        "properties": {
          "config": {
            "type": "object",
            "description": "a training config as for flowkit train (keys in the README); data files as \"dataset:<id>\" or paths under --data-root"
          },
          "device": {
            "type": "string",
            "description": "one of the served devices (default: the first); null or absent: the default",
            "nullable": true
          },
          "name": {
            "type": "string",
            "maxLength": 200,
            "nullable": true,
            "description": "null or absent: no name"
          },
          "priority": {
            "type": "integer",
            "minimum": -1000,
            "maximum": 1000,
            "default": 0,
            "nullable": true,
            "description": "higher runs first; null or absent: 0"
          }
        },
        "example": {
          "config": {
            "data": {
              "kind": "toy",
              "name": "banana",
              "evaluationSize": 200
            },
            "model": {
              "kind": "realnvp",
              "layers": 2,
              "hidden": 8
            },
            "train": {
              "steps": 40,
              "batchSize": 32,
              "checkpointEvery": 20,
              "evalEvery": 20,
              "logEvery": 10
            }
          },
          "device": "cpu",
          "name": "banana-small",
          "priority": 0
        }
      },
      "Job": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string",
            "nullable": true
          },
          "status": {
            "$ref": "#/components/schemas/Status"
          },
          "device": {
            "type": "string"
          },
          "priority": {
            "type": "integer"
          },
          "step": {
            "type": "integer",
            "description": "the newest step the trainer reported: its train lines (every logEvery steps) and its checkpoints (every checkpointEvery steps, and where it stopped)"
          },
          "checkpointStep": {
            "type": "integer",
            "nullable": true,
            "description": "the step of the newest checkpoint, where a resume continues; equal to step after a pause, cancel or server stop"
          },
          "totalSteps": {
            "type": "integer"
          },
          "loss": {
            "type": "number",
            "nullable": true
          },
          "validationNLL": {
            "type": "number",
            "nullable": true
          },
          "bitsPerDim": {
            "type": "number",
            "nullable": true
          },
          "testNLL": {
            "type": "number",
            "nullable": true
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          },
          "startedAt": {
            "type": "string",
            "format": "date-time",
            "nullable": true
          },
          "finishedAt": {
            "type": "string",
            "format": "date-time",
            "nullable": true
          },
          "attempts": {
            "type": "integer"
          },
          "failure": {
            "type": "string",
            "nullable": true,
            "description": "the end of the trainer's standard error, for a failed job"
          },
          "stopRequested": {
            "type": "string",
            "nullable": true,
            "enum": [
              "pause",
              "cancel",
              "shutdown"
            ]
          },
          "datasets": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "runDirectory": {
            "type": "string",
            "description": "the run directory on the server (flowkit eval/logprob/sample --run-dir)"
          }
        }
      },
      "Event": {
        "type": "object",
        "properties": {
          "seq": {
            "type": "integer"
          },
          "type": {
            "type": "string",
            "enum": [
              "state",
              "metric"
            ]
          },
          "time": {
            "type": "string",
            "format": "date-time"
          },
          "data": {
            "type": "object",
            "description": "state: {status, from, message, step, checkpointStep}; metric: the metrics.jsonl line (train, eval, skip, checkpoint, test)"
          }
        }
      }
    }
  }
}
"""#
}
